import type { ActingSession } from "../../server/principal";
import { DEMO_NAMES } from "../../server/session";

/**
 * Who is acting, always as the server sees it (rendered per request), and how to change it:
 * in demo mode a switch to each other demo principal; after an API-key sign-in, sign out.
 * Each is a plain form post answered with a redirect, so the page that follows is rendered
 * from scratch for the principal now acting.
 */
export function SessionBox({ session, demo }: { session: ActingSession | null; demo: boolean }) {
  if (!session) return null;
  const others = demo ? DEMO_NAMES.filter((name) => name !== session.principal) : [];
  return (
    <div className="session">
      <span className="session-who">
        Signed in as <strong data-testid="signed-in-as">{session.principal}</strong>
      </span>
      {others.map((name) => (
        <form key={name} method="post" action="/session">
          <input type="hidden" name="action" value="switch" />
          <input type="hidden" name="principal" value={name} />
          <button type="submit" className="secondary">
            Switch to {name}
          </button>
        </form>
      ))}
      {session.kind === "key" ? (
        <form method="post" action="/session">
          <input type="hidden" name="action" value="sign-out" />
          <button type="submit" className="secondary">
            Sign out
          </button>
        </form>
      ) : null}
    </div>
  );
}
