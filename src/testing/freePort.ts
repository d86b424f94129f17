import { createServer } from 'node:net';

/**
 * Asks the operating system for a TCP port that is free right now on `host`, by listening on port 0
 * and closing again. Someone else may take the port before you bind it: callers retry on `EADDRINUSE`.
 *
 * @example
 * ```ts
 * const port = await findFreePort(); // e.g. 41327
 * ```
 */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close((closeError) => {
        if (closeError) reject(closeError);
        else if (port === undefined)
          reject(new Error(`Could not read the port the server listened on (${address}).`));
        else resolve(port);
      });
    });
  });
}
