/**
 * Structured logs (pino, JSON lines). Requests are logged as method, path (no query string),
 * client address and status — never headers or bodies. As a second line of defence the usual
 * secret-bearing fields are redacted wherever they appear.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.body',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'authorization',
  'token',
  '*.token',
  '*.authorization',
  'body',
  '*.body',
  'password',
  '*.password',
  '*.secret',
  '*.secretKey',
  '*.postgresUrl',
];

interface LoggableRequest {
  method?: string;
  url?: string;
  ip?: string;
  id?: string;
}

interface LoggableReply {
  statusCode?: number;
}

function pathOf(url: string | undefined): string {
  if (!url) return '';
  const path = url.split('?', 1)[0] ?? '';
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'backbone-server' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: {
        req: (req: LoggableRequest) => ({
          method: req.method,
          path: pathOf(req.url),
          remoteAddress: req.ip,
        }),
        res: (res: LoggableReply) => ({ statusCode: res.statusCode }),
        err: pino.stdSerializers.err,
      },
    },
    destination,
  );
}
