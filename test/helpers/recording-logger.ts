import type { Logger } from '../../src/index.js';

/** A Logger that records every line as [level, fields, message]; `warnings` are the warn lines. */
export function recordingLogger() {
  const lines: Array<[keyof Logger, Record<string, unknown>, string]> = [];
  const at =
    (level: keyof Logger) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push([level, fields, message]);
    };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  const warnings = () =>
    lines.filter(([level]) => level === 'warn').map(([, fields, message]) => [fields, message]);
  return { logger, lines, warnings };
}
