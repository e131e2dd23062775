/** `JSON.parse`, or `undefined` for text that is not JSON (every schema refuses `undefined`). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
