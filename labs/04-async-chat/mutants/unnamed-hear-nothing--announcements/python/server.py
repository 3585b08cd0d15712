# Mutant (unnamed-hear-nothing--announcements): chat lines go to named clients
# only, but join and leave announcements go to every connection, named or not.
import asyncio

SERVER_PORT = 8000
# A client that never sends a newline must not eat all our memory.
MAX_LINE = 64 * 1024

# Every client that has sent its nickname: writer -> nickname. Keyed by the
# writer, not by the nickname: two clients may choose the same nickname,
# and a dict keyed by nickname would keep only the last of them.
members = {}
connected = set()   # every writer, named or not


async def announce(line):
    """Join and leave announcements: to every connected client."""
    data = (line + '\n').encode('utf-8')
    for writer in list(connected):
        writer.write(data)


async def broadcast(line):
    """Sends one line to every named client."""
    data = (line + '\n').encode('utf-8')
    for writer in list(members):
        writer.write(data)          # queued in the writer's buffer at once
    # drain() waits until each writer's buffer is small again: a client
    # that reads slowly makes us wait here instead of piling up memory.
    for writer in list(members):
        try:
            await writer.drain()
        except (ConnectionError, OSError):
            pass                    # that client is gone; its own handler cleans up


async def handle(reader, writer):
    """One coroutine per client, from connection to departure."""
    nick = None
    connected.add(writer)
    try:
        while True:
            # readline() waits (await) until a whole line has arrived: the
            # bytes of a line that comes in pieces are kept until its '\n'.
            # At the end of the stream it returns b'' (without a '\n').
            data = await reader.readline()
            if not data.endswith(b'\n'):
                break               # end of stream: the client closed its side
            text = data.decode('utf-8', errors='replace').rstrip('\r\n')
            if nick is None:
                nick = text.strip()
                if not nick:
                    nick = None     # an empty line is not a nickname: wait for one
                    continue
                members[writer] = nick
                await announce(f'* {nick} joined the chat')
            elif text:              # empty lines are ignored; the rest goes as sent
                await broadcast(f'[{nick}] {text}')
    except (ConnectionError, OSError, ValueError):
        # ConnectionResetError: a reset. ValueError (LimitOverrunError): a
        # line longer than the reader's limit.
        pass
    finally:
        was_member = members.pop(writer, None) is not None
        connected.discard(writer)
        writer.close()
        if was_member:
            await announce(f'* {nick} left the chat')


async def main():
    # No host: every interface, IPv4 and IPv6. limit: the longest line.
    server = await asyncio.start_server(handle, port=SERVER_PORT, reuse_address=True, limit=MAX_LINE)
    print('The chat server is ready on port', SERVER_PORT, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == '__main__':
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
