/**
 * A user mistake (bad argument, unreadable file, invalid input): printed as one line, exit 2,
 * never a stack trace. Anything else that escapes a command is a bug and prints its stack.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
