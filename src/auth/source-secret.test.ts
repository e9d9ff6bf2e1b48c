import { describe, expect, test } from "bun:test";
import { SourceSecret } from "./source-secret.ts";

function accepts(secret: SourceSecret, line: string): boolean {
  const bytes = Buffer.from(`>${line}<`, "latin1");
  return secret.accepts(bytes, 1, bytes.length - 1);
}

describe("SourceSecret", () => {
  const secret = new SourceSecret("s3cret-s3cret-s3cret");

  test("accepts exactly AUTH, one space and the secret", () => {
    expect(accepts(secret, "AUTH s3cret-s3cret-s3cret")).toBe(true);
  });

  test.each([
    ["another secret", "AUTH s3cret-s3cret-s3creT"],
    ["a prefix of the secret", "AUTH s3cret-s3cret-s3cre"],
    ["the secret with more after it", "AUTH s3cret-s3cret-s3cret "],
    ["a lower-case keyword", "auth s3cret-s3cret-s3cret"],
    ["two spaces", "AUTH  s3cret-s3cret-s3cret"],
    ["the secret alone", "s3cret-s3cret-s3cret"],
    ["the keyword alone", "AUTH"],
    ["an empty line", ""],
    ["an event", "1|B"],
  ])("refuses %s", (_, line) => {
    expect(accepts(secret, line)).toBe(false);
  });
});
