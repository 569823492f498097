import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1 for engine tests and benchmarks (not a mock of our code:
 * engines talk to it over TCP). The handler decides when and how to answer.
 */
export interface StartedTestServer extends AsyncDisposable {
  readonly url: string;
  /** Requests received so far. */
  readonly received: number;
  close(): Promise<void>;
}

/** `body` is the request body when the server was started with `{ collectBody: true }`, else empty. */
export type TestHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

export interface TestServerOptions {
  /** Read the whole request body before calling the handler. Default false: the body is drained unread. */
  collectBody?: boolean;
}

const EMPTY = Buffer.alloc(0);

export async function startTestServer(handler: TestHandler, options: TestServerOptions = {}): Promise<StartedTestServer> {
  let received = 0;
  const server: Server = createServer((req, res) => {
    received++;
    if (options.collectBody) {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => handler(req, res, Buffer.concat(chunks)));
      return;
    }
    // Drain the request body so keep-alive connections stay usable.
    req.resume();
    handler(req, res, EMPTY);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${port}`,
    get received() {
      return received;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
