import type { Metadata } from "next";
import Link from "next/link";
import { isDemoMode } from "../../server/demo";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: PageProps<"/sign-in">) {
  const { error } = await searchParams;
  const refused = error === "unknown-key";
  return (
    <div className="narrow">
      <h1>Sign in</h1>
      <p className="lede">
        Enter your API key once. It stays on this server; your browser only keeps a signed session cookie, and you can
        sign out at any time.
      </p>
      <form method="post" action="/session" className="card form form-one">
        <input type="hidden" name="action" value="sign-in" />
        <div className="field">
          <label htmlFor="api-key">API key</label>
          <input
            id="api-key"
            name="apiKey"
            type="password"
            autoComplete="current-password"
            required
            aria-invalid={refused ? true : undefined}
            aria-describedby={refused ? "api-key-error" : undefined}
          />
          {refused ? (
            <span id="api-key-error" className="field-error" role="alert">
              No account has that API key. Check it and try again.
            </span>
          ) : null}
        </div>
        <div className="form-actions">
          <button type="submit">Sign in</button>
        </div>
      </form>
      {isDemoMode() ? (
        <p className="muted">
          This is the demo: you can also <Link href="/">go back</Link> and switch between alice and bob at the top.
        </p>
      ) : null}
    </div>
  );
}
