import { describe, expect, test } from "bun:test";
import { BadQuery, DEFAULT_LIMIT, listPage, MAX_LIMIT, pageRequest } from "./listing.ts";

const query = (text: string) => pageRequest(new URLSearchParams(text));

describe("pageRequest", () => {
  test("offset 0 and the default limit unless asked; empty values count as absent", () => {
    expect(query("")).toEqual({ offset: 0, limit: DEFAULT_LIMIT });
    expect(query("offset=&limit=")).toEqual({ offset: 0, limit: DEFAULT_LIMIT });
    expect(query("offset=20&limit=5")).toEqual({ offset: 20, limit: 5 });
    expect(query(`limit=${MAX_LIMIT}`).limit).toBe(MAX_LIMIT);
  });

  test("anything but a whole number in range is a BadQuery naming the parameter", () => {
    for (const text of [`limit=${MAX_LIMIT + 1}`, "limit=-1", "limit=1e3", "offset=x", "offset=1.5", "offset=9999999999999999"]) {
      expect(() => query(text)).toThrow(BadQuery);
    }
    expect(() => query("limit=abc")).toThrow('limit must be a whole number from 0 to 1000, not "abc"');
  });
});

describe("listPage", () => {
  const letters = ["a", "b", "c", "d", "e"];
  const render = (letter: string) => ({ letter });

  test("skips `offset`, takes at most `limit`, in iteration order", () => {
    expect(listPage(letters, 5, { offset: 1, limit: 2 }, render)).toEqual({ total: 5, offset: 1, limit: 2, items: [{ letter: "b" }, { letter: "c" }] });
    expect(listPage(letters, 5, { offset: 4, limit: 10 }, render).items).toEqual([{ letter: "e" }]);
    expect(listPage(letters, 5, { offset: 5, limit: 10 }, render).items).toEqual([]);
    expect(listPage(letters, 5, { offset: 0, limit: 0 }, render).items).toEqual([]);
  });

  test("renders only the entries it returns and stops walking once the page is full", () => {
    const walked: number[] = [];
    function* entries() {
      for (let i = 0; i < 1000; i++) {
        walked.push(i);
        yield i;
      }
    }
    const rendered: number[] = [];
    listPage(entries(), 1000, { offset: 10, limit: 3 }, (i) => {
      rendered.push(i);
      return { i };
    });
    expect(rendered).toEqual([10, 11, 12]);
    expect(walked.length).toBe(13);
  });
});
