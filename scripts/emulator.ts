/**
 * The AWS emulator by hand: `node --require tsx/cjs scripts/emulator.ts install` installs it into
 * .venv/moto; `... start` runs it until Ctrl-C and prints the endpoint to use.
 */
import { EmulatorError, ensureEmulator, startEmulator } from '../src/emulator';

async function main(argv: string[]): Promise<number> {
  const command = argv[0] ?? 'start';
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  if (command === 'install') {
    const { venv } = await ensureEmulator({ progress });
    process.stdout.write(`the AWS emulator is installed in ${venv}\n`);
    return 0;
  }
  if (command === 'start') {
    const emulator = await startEmulator({ progress });
    process.stdout.write(`AWS emulator on ${emulator.endpoint} (pid ${emulator.pid}); Ctrl-C stops it\n`);
    process.stdout.write(
      `  e.g. AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing aws --endpoint-url ${emulator.endpoint} sts get-caller-identity\n`,
    );
    // the server is unref-ed: keep this process alive until a signal stops both
    setInterval(() => {}, 1 << 30);
    await new Promise(() => {});
    return 0;
  }
  process.stderr.write(`usage: scripts/emulator.ts install|start (got "${command}")\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err instanceof EmulatorError ? err.message : (err as Error).stack}\n`);
    process.exit(1);
  },
);
