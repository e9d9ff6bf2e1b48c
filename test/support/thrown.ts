import { expect } from "bun:test";

/** The message of the error `act` throws, checked to be a `type`; fails the test when nothing is thrown. */
export function thrownMessage(act: () => unknown, type: abstract new (...args: never[]) => Error): string {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return (error as Error).message;
  }
  throw new Error("nothing was thrown");
}
