import { SESSION_NAMES } from "../../server/session";
import { signIn } from "../actions";

/** Demo sign-in: pick the principal this browser acts as (a Server Action sets the cookie). */
export function SessionSwitcher({ current }: { current: string }) {
  return (
    <form action={signIn} className="session">
      <label htmlFor="principal">Signed in as</label>
      <select id="principal" name="principal" defaultValue={current}>
        {SESSION_NAMES.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
      <button type="submit" className="secondary">
        Switch
      </button>
    </form>
  );
}
