import { createServer, type Server } from 'node:http';

/**
 * Where the emulator delivers SNS messages: a local HTTP endpoint subscribed to the topic with
 * protocol `http`. moto POSTs each Notification to it during Publish, as SNS would.
 */

export interface SnsNotification {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  Timestamp: string;
  /** When the inbox received it (ms since epoch). */
  receivedAt: number;
}

export interface NotificationInbox {
  url: string;
  readonly received: SnsNotification[];
  /** The JSON messages (Message parsed), in arrival order; a non-JSON message is skipped. */
  messages(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startInbox(): Promise<NotificationInbox> {
  const received: SnsNotification[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      try {
        const n = JSON.parse(body) as SnsNotification;
        if (n.Type === 'Notification') received.push({ ...n, receivedAt: Date.now() });
      } catch {
        // not an SNS delivery
      }
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  server.unref();
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}/sns`,
    received,
    messages() {
      const out: Array<Record<string, unknown>> = [];
      for (const n of received) {
        try {
          out.push(JSON.parse(n.Message) as Record<string, unknown>);
        } catch {
          // a plain-text message
        }
      }
      return out;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
