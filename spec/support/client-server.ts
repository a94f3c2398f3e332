/**
 * cl-async's `*-simple-client-server` test for any transport (TCP, pipe, TLS): two clients
 * each queue "ha" before connecting and write "i " right after; the server answers every read
 * with "thxlol "; each client closes on its first reply, the second one closes the server.
 */
import { EventCb } from '../../src/event-loop';
import { AsyncSocket, closeSocket, SocketReadCb, socketClosedP, writeSocketData } from '../../src/socket';
import { runLoop } from './loop';

export interface Transport<S> {
  listen(readCb: SocketReadCb, connectCb: () => void): S;
  connect(server: S, readCb: SocketReadCb, options: { eventCb: EventCb; data: string }): AsyncSocket;
  close(server: S): void;
}

/** What cl-async's test expects: "ha" and "i " arrive as one read per connection. */
export const SIMPLE_CLIENT_SERVER = {
  serverReqs: 2,
  serverData: 'hai hai ',
  connectNum: 2,
  clientReplies: 2,
  clientData: 'thxlol thxlol ',
};

export async function simpleClientServer<S>(transport: Transport<S>): Promise<typeof SIMPLE_CLIENT_SERVER> {
  const seen = { serverReqs: 0, serverData: '', connectNum: 0, clientReplies: 0, clientData: '' };
  await runLoop(() => {
    const server = transport.listen(
      (sock, data) => {
        seen.serverReqs++;
        seen.serverData += data.toString();
        writeSocketData(sock, 'thxlol ');
      },
      () => seen.connectNum++,
    );
    for (let i = 0; i < 2; i++) {
      const sock = transport.connect(
        server,
        (s, data) => {
          seen.clientReplies++;
          if (!socketClosedP(s)) closeSocket(s);
          seen.clientData += data.toString();
          if (seen.clientReplies === 2) transport.close(server);
        },
        {
          eventCb: (ev) => {
            throw ev;
          },
          data: 'ha',
        },
      );
      writeSocketData(sock, 'i ');
    }
  });
  return seen;
}
