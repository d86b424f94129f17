#!/usr/bin/env node
/**
 * The `dynago` command (the package's `bin`); see `dynago --help` and the README's "Command line".
 * The AWS SDK's notice about future Node versions is turned off before the SDK loads (hence the
 * dynamic import): it would repeat on every run, around the one line a command prints.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { runCli } = await import('./cli.js');

// A reader that goes away (`dynago read x | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const code = await runCli(process.argv.slice(2));
// Exits at once even if the user's config left timers or sockets open; stdout and stderr are
// synchronous on pipes, files and terminals on Linux and macOS, so nothing written is lost.
process.exit(code);
