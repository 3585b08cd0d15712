# Chat server with nicknames, one thread, many clients: starter.
#
# This runs: asyncio calls handle() for every client, as a coroutine, and
# each line comes back... but only to the client that sent it, as it was
# typed. Fix the TODOs to make it the chat that the lesson describes.
import asyncio

SERVER_PORT = 8000

# TODO: the named clients. Two clients may choose the same nickname, so key
#       them by their writer (writer -> nickname), not by nickname.


async def handle(reader, writer):
    # TODO: the first line is the nickname (trimmed). Then send
    #       "* <nick> joined the chat" to every named client, the newcomer too.
    while True:
        data = await reader.readline()
        # TODO: at the end of the stream readline() returns b'' at once,
        #       every time: leave the loop, or it spins and blocks every
        #       other client. A reset raises ConnectionResetError instead.
        # TODO: ignore empty lines; send every other line, as sent, to
        #       every named client as "[<nick>] <text>".
        writer.write(data)
        await writer.drain()
    # TODO: when the client leaves, forget it, close the writer and send
    #       "* <nick> left the chat" to the others.


async def main():
    server = await asyncio.start_server(handle, port=SERVER_PORT, reuse_address=True)
    print('The chat server is ready on port', SERVER_PORT, flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
