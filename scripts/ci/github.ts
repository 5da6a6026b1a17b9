/**
 * Posts a pull-request comment, or edits the one an earlier run posted: found by its hidden marker among the
 * comments of the job's own bot, so the preview and the impact report never overwrite each other (they share
 * the `github-actions[bot]` identity, which is why `gh pr comment --edit-last` could not tell them apart).
 * GitHub REST API: GET /repos/{owner}/{repo}/issues/{number}/comments (paged, at most 100 per page),
 * POST the same path, PATCH /repos/{owner}/{repo}/issues/comments/{id}.
 */
export type Fetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<{
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
  text(): Promise<string>;
}>;

export interface Repository {
  /** GITHUB_API_URL, e.g. https://api.github.com. */
  api: string;
  /** owner/name (GITHUB_REPOSITORY). */
  repository: string;
  token: string;
}

export interface CommentTarget {
  /** GITHUB_API_URL, e.g. https://api.github.com. */
  api: string;
  /** owner/name (GITHUB_REPOSITORY). */
  repository: string;
  pullRequest: number;
  token: string;
}

interface IssueComment {
  id: number;
  body?: string;
  user?: { type?: string } | null;
}

const perPage = 100;

const headersOf = (token: string) => ({
  accept: "application/vnd.github+json",
  authorization: `Bearer ${token}`,
  "x-github-api-version": "2022-11-28",
  "content-type": "application/json",
});

/**
 * The open pull request whose head is `branch` of this repository (GET /repos/{owner}/{repo}/pulls?head=owner:branch),
 * for a preview started by hand from the branch: its author cannot approve their own pull request.
 */
export async function pullRequestOf(repo: Repository, branch: string, fetch: Fetch): Promise<number | undefined> {
  const owner = repo.repository.split("/")[0] ?? "";
  const url = `${repo.api.replace(/\/$/, "")}/repos/${repo.repository}/pulls?state=open&head=${encodeURIComponent(`${owner}:${branch}`)}`;
  const response = await fetch(url, { method: "GET", headers: headersOf(repo.token) });
  if (!response.ok) throw new Error(`GitHub GET pulls answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  const pulls = (await response.json()) as { number: number }[];
  return pulls[0]?.number;
}

/** Creates the comment or edits the bot's comment that starts with `marker`; returns what it did. */
export async function upsertComment(target: CommentTarget, marker: string, body: string, fetch: Fetch): Promise<"created" | "edited"> {
  if (!body.startsWith(marker)) throw new Error("the comment body must start with its marker");
  const headers = headersOf(target.token);
  const base = `${target.api.replace(/\/$/, "")}/repos/${target.repository}`;
  const call = async (method: string, url: string, payload?: unknown) => {
    const response = await fetch(url, { method, headers, ...(payload === undefined ? {} : { body: JSON.stringify(payload) }) });
    if (!response.ok)
      throw new Error(`GitHub ${method} ${url.replace(base, "")} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    return response.json();
  };
  let existing: IssueComment | undefined;
  for (let page = 1; existing === undefined; page++) {
    const comments = (await call(
      "GET",
      `${base}/issues/${target.pullRequest}/comments?per_page=${perPage}&page=${page}`,
    )) as IssueComment[];
    existing = comments.find((c) => c.user?.type === "Bot" && c.body?.startsWith(marker) === true);
    if (comments.length < perPage) break;
  }
  if (existing !== undefined) {
    await call("PATCH", `${base}/issues/comments/${existing.id}`, { body });
    return "edited";
  }
  await call("POST", `${base}/issues/${target.pullRequest}/comments`, { body });
  return "created";
}
