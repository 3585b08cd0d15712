# Mutant: `await queue.put()` blocks the broadcaster on a slow client's full queue.
#
# The naive server awaits drain() for each client in turn: one client that
# stops reading fills its receive buffer, then our send buffer towards it,
# and then drain() waits for ever, with everyone else waiting behind it.
# Here every client gets its own bounded queue and its own writer task:
# the broadcast only puts a line in each queue (never waits), each writer
# task awaits drain() for ITS client only, and a client whose queue is full
# has fallen too far behind: it is dropped, so memory stays bounded.
import asyncio

SERVER_PORT = 8000
# A client that never sends a newline must not eat all our memory.
MAX_LINE = 64 * 1024
# Lines a client may fall behind before it is dropped.
MAX_BACKLOG = 1000


class Member:
    """One named client: its nickname, its writer and its queue of lines to send."""

    def __init__(self, nick, writer):
        self.nick = nick
        self.writer = writer
        self.queue = asyncio.Queue(maxsize=MAX_BACKLOG)
        self.task = asyncio.create_task(self.send_queued())

    async def send_queued(self):
        """Sends the queued lines one by one; only this task waits for this client."""
        try:
            while True:
                data = await self.queue.get()
                self.writer.write(data)
                await self.writer.drain()
        except (ConnectionError, OSError):
            pass                    # gone; its handler cleans up


# Every client that has sent its nickname: writer -> Member (two clients may
# share a nickname, so the key is the writer).
members = {}


def broadcast(line):
    """Mutant: await queue.put() waits while a slow member's queue is full."""
    data = (line + '\n').encode('utf-8')
    return asyncio.gather(*(m.queue.put(data) for m in list(members.values())))


def drop(member):
    """Removes a member that fell too far behind and tells the others."""
    if members.pop(member.writer, None) is None:
        return
    member.task.cancel()
    member.writer.transport.abort()   # its handler's readline() now ends
    broadcast(f'* {member.nick} left the chat')


async def handle(reader, writer):
    """One coroutine per client, from connection to departure."""
    member = None
    try:
        while True:
            data = await reader.readline()
            if not data.endswith(b'\n'):
                break               # end of stream
            text = data.decode('utf-8', errors='replace').rstrip('\r\n')
            if member is None:
                nick = text.strip()
                if nick:
                    member = members[writer] = Member(nick, writer)
                    await broadcast(f'* {nick} joined the chat')
            elif text:
                await broadcast(f'[{member.nick}] {text}')
    except (ConnectionError, OSError, ValueError):
        pass
    finally:
        if member is not None and members.pop(writer, None) is not None:
            member.task.cancel()
            await broadcast(f'* {member.nick} left the chat')
        writer.close()


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
