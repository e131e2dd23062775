/**
 * Type-level assertions for the type tests in this folder. These files are only compiled, never
 * run: `npm run typecheck` checks them against `src/`, and the pack test checks them again against
 * the packed tarball's declarations. A failed assertion or an unused `@ts-expect-error` is a
 * compile error.
 */

/** `true` when `A` and `B` are the same type, not merely mutually assignable. */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Compiles only when `T` is `true`: `expectTrue<Equal<typeof x, string>>()`. */
export function expectTrue<T extends true>(): T | undefined {
  return undefined;
}

/** Compiles only when `value` is assignable to `T`; object literals also get excess-property checks. */
export function expectAssignable<T>(value: T): T {
  return value;
}
