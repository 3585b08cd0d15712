# The naive chat server of part A (provided; part C asks you to fix it).
#
# It works while every client reads. The broadcast writes a line to one
# client and awaits drain() before it goes on to the next: if that client
# stops reading, drain() waits for ever, and every other client waits too.
import asyncio

SERVER_PORT = 8000
MAX_LINE = 64 * 1024

# Every client that has sent its nickname: writer -> nickname.
members = {}


async def broadcast(line):
    """Sends one line to every named client, one after the other."""
    data = (line + '\n').encode('utf-8')
    for writer in list(members):
        try:
            writer.write(data)
            await writer.drain()    # waits until THIS client has taken it
        except (ConnectionError, OSError):
            pass


async def handle(reader, writer):
    nick = None
    try:
        while True:
            data = await reader.readline()
            if not data.endswith(b'\n'):
                break
            text = data.decode('utf-8', errors='replace').rstrip('\r\n')
            if nick is None:
                nick = text.strip() or None
                if nick:
                    members[writer] = nick
                    await broadcast(f'* {nick} joined the chat')
            elif text:
                await broadcast(f'[{nick}] {text}')
    except (ConnectionError, OSError, ValueError):
        pass
    finally:
        was_member = members.pop(writer, None) is not None
        writer.close()
        if was_member:
            await broadcast(f'* {nick} left the chat')


async def main():
    server = await asyncio.start_server(handle, port=SERVER_PORT, reuse_address=True, limit=MAX_LINE)
    print('The chat server is ready on port', SERVER_PORT, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == '__main__':
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
