// The few GitHub REST calls the github consumer makes, against GITHUB_API_URL. Anything but a
// success throws, so the consumer runtime retries it (and dead-letters it after the last retry).

export type GithubSettings = { token: string; apiUrl: string; repo: string; timeoutMs: number };
export type GithubIssueRef = { number: number; url: string };

export type GithubApi = {
  createIssue(issue: { title: string; body: string; labels: string[] }): Promise<GithubIssueRef>;
  /** A recent issue of ours (label `ticket-svc`) whose body holds `marker`, if any. */
  findIssue(marker: string): Promise<GithubIssueRef | undefined>;
  setState(number: number, state: 'open' | 'closed'): Promise<void>;
};

export class GithubRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function createGithubApi(settings: GithubSettings, userAgent: string): GithubApi {
  const base = `${settings.apiUrl.replace(/\/+$/, '')}/repos/${settings.repo}`;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${settings.token}`,
        Accept: 'application/vnd.github+json',
        'X-GitHub-Api-Version': '2022-11-28',
        'User-Agent': userAgent,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(settings.timeoutMs),
      redirect: 'error',
    });
    if (!res.ok) {
      // The response text may quote the request; never the token, which is only in a header.
      throw new GithubRequestError(res.status, `GitHub ${method} ${path}: ${res.status} ${(await res.text()).slice(0, 200)}`);
    }
    return (await res.json()) as T;
  };
  const ref = (issue: { number: number; html_url: string }): GithubIssueRef => ({ number: issue.number, url: issue.html_url });
  return {
    async createIssue(issue) {
      return ref(await call<{ number: number; html_url: string }>('POST', '/issues', issue));
    },
    async findIssue(marker) {
      const recent = await call<Array<{ number: number; html_url: string; body: string | null }>>(
        'GET',
        '/issues?labels=ticket-svc&state=all&sort=created&direction=desc&per_page=100',
      );
      const found = recent.find((i) => i.body?.includes(marker));
      return found && ref(found);
    },
    async setState(number, state) {
      await call('PATCH', `/issues/${number}`, state === 'closed' ? { state, state_reason: 'completed' } : { state });
    },
  };
}
