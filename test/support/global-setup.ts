/**
 * Mocha global fixtures (loaded with `require` in .mocharc.json): one DynamoDB for the whole run, from
 * `startDynamoDB` (DYNAMODB_ENDPOINT, else Docker, else Java). Its endpoint, region and credentials go
 * into `process.env` (DYNAMODB_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) so test
 * files and anything they spawn find it.
 *
 * Like ElectroDB's tests, the run refuses an endpoint that is not on this machine (real AWS would be
 * billed and its tables touched) unless DYNAGO_ALLOW_REMOTE_TESTS=1.
 *
 * A start failure is not thrown from the global setup (mocha would then end without a summary): it fails
 * the root `before all` hook instead, so the reporter still ends with `0 passed, 1 failed`.
 */
import { type DynamoDBHandle, startDynamoDB } from '../../src/testing/index.js';
import { answersHttp } from '../../src/testing/waitForHttp.js';

// The SDK announces that it will need Node 22 in 2027; the suite pins Node 20 on purpose and the notice
// would only bury the test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let handle: DynamoDBHandle | undefined;
let setupError: Error | undefined;

const LOCAL_HOSTNAMES = new Set(['localhost', '::1', '[::1]', 'host.docker.internal', '0.0.0.0']);

/** True when `endpoint` is on this machine (or the Docker host): localhost, 127.x.x.x, ::1, *.localhost. */
export function isLocalEndpoint(endpoint: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(endpoint).hostname.toLowerCase();
  } catch {
    return false;
  }
  return (
    LOCAL_HOSTNAMES.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname) || hostname.endsWith('.localhost')
  );
}

export async function mochaGlobalSetup(): Promise<void> {
  const verbose = process.env.DYNAGO_TEST_LOG === '1';
  try {
    const db = await startDynamoDB({ log: verbose ? (line) => console.error(line) : undefined });
    handle = db;
    if (
      db.source === 'env' &&
      !isLocalEndpoint(db.endpoint) &&
      process.env.DYNAGO_ALLOW_REMOTE_TESTS !== '1'
    ) {
      throw new Error(
        `Refusing to run the tests against DYNAMODB_ENDPOINT=${db.endpoint}: it is not local (localhost, ` +
          '127.x.x.x, ::1, host.docker.internal), and the tests create and delete tables. ' +
          'Set DYNAGO_ALLOW_REMOTE_TESTS=1 if you really mean it.',
      );
    }
    if (db.source === 'env' && !(await answersHttp(db.endpoint, 3000))) {
      throw new Error(
        `Nothing answers at DYNAMODB_ENDPOINT=${db.endpoint}. Start it (e.g. \`docker compose up -d\`) or unset ` +
          'DYNAMODB_ENDPOINT to let the tests start DynamoDB Local themselves (Docker or Java).',
      );
    }
    process.env.DYNAMODB_ENDPOINT = db.endpoint;
    process.env.AWS_REGION ||= db.region;
    process.env.AWS_ACCESS_KEY_ID ||= db.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY ||= db.credentials.secretAccessKey;
    if (verbose) console.error(`[test] DynamoDB (${db.source}) at ${db.endpoint}`);
  } catch (error) {
    setupError = error instanceof Error ? error : new Error(String(error));
  }
}

export async function mochaGlobalTeardown(): Promise<void> {
  await handle?.stop();
  handle = undefined;
}

/** Root hooks: report a failed start as one failing hook, with the launcher's message. */
export const mochaHooks = {
  beforeAll: [
    function dynamoDBIsAvailable(): void {
      if (setupError) throw setupError;
    },
  ],
};
