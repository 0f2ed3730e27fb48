// JSON logs (pino). Secrets and bodies are redacted here, once, for every component.
import { pino, type Logger } from 'pino';

export function createLogger(opts: { level: string; service: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: opts.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'body',
          '*.body',
          'req.headers.authorization',
          'req.headers.cookie',
          'headers.authorization',
          'headers.cookie',
          'authorization',
          'cookie',
          'secret',
          '*.secret',
          'password',
          '*.password',
        ],
        censor: '[redacted]',
      },
    },
    opts.destination ?? pino.destination({ sync: false }),
  );
}
