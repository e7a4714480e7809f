import pino, { type Logger } from 'pino';

/** JSON logs. Credentials never reach them: auth headers, passwords, OTPs and tokens are redacted. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'tekana-server' },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'password',
        'otp',
        'token',
        '*.password',
        '*.otp',
        '*.token',
        'input.password',
        'input.otp',
      ],
      censor: '[redacted]',
    },
  });
}
