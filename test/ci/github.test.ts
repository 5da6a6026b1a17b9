/** Posting or editing the comment with a marker (scripts/ci/github.ts), against a recorded fake of the REST API. */
import { describe, expect, it } from "vitest";

import { type Fetch, upsertComment } from "../../scripts/ci/github";

interface Comment {
  id: number;
  body: string;
  user: { type: string };
}

function fakeApi(comments: Comment[]) {
  const calls: { method: string; url: string; body?: unknown }[] = [];
  const fetch: Fetch = (url, init) => {
    calls.push({ method: init.method, url, ...(init.body === undefined ? {} : { body: JSON.parse(init.body) as unknown }) });
    const page = Number(new URL(url).searchParams.get("page") ?? "1");
    const data = init.method === "GET" ? comments.slice((page - 1) * 100, page * 100) : {};
    return Promise.resolve({ ok: true, status: 200, json: () => Promise.resolve(data), text: () => Promise.resolve("") });
  };
  return { calls, fetch };
}

const target = { api: "https://api.github.com", repository: "o/r", pullRequest: 7, token: "t" };
const preview = "<!-- homelab-ci:preview stack=homelab -->";
const impact = "<!-- homelab-ci:impact -->";

describe("upsertComment", () => {
  it("edits the bot's comment with the same marker and leaves the other one alone", async () => {
    const api = fakeApi([
      { id: 1, body: `${impact}\nold impact`, user: { type: "Bot" } },
      { id: 2, body: `${preview}\nold preview`, user: { type: "Bot" } },
    ]);
    expect(await upsertComment(target, preview, `${preview}\nnew`, api.fetch)).toBe("edited");
    expect(api.calls.at(-1)).toEqual({
      method: "PATCH",
      url: "https://api.github.com/repos/o/r/issues/comments/2",
      body: { body: `${preview}\nnew` },
    });
  });

  it("creates a comment when only a person's comment quotes the marker", async () => {
    const api = fakeApi([{ id: 3, body: `${preview}\nquoted`, user: { type: "User" } }]);
    expect(await upsertComment(target, preview, `${preview}\nnew`, api.fetch)).toBe("created");
    expect(api.calls.at(-1)).toMatchObject({ method: "POST", url: "https://api.github.com/repos/o/r/issues/7/comments" });
  });

  it("looks past the first page of comments", async () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ id: 100 + i, body: "chatter", user: { type: "User" } }));
    const api = fakeApi([...many, { id: 999, body: `${impact}\nold`, user: { type: "Bot" } }]);
    expect(await upsertComment(target, impact, `${impact}\nnew`, api.fetch)).toBe("edited");
    expect(api.calls.filter((c) => c.method === "GET")).toHaveLength(2);
    expect(api.calls.at(-1)?.url).toBe("https://api.github.com/repos/o/r/issues/comments/999");
  });

  it("refuses a body that does not start with its marker (it could never be found again)", async () => {
    await expect(upsertComment(target, impact, "no marker", fakeApi([]).fetch)).rejects.toThrow("must start with its marker");
  });
});
