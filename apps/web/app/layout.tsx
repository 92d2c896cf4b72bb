import type { Metadata, Viewport } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { isDemoMode } from "../server/demo";
import { findSession } from "../server/principal";
import { TRPCReactProvider } from "../trpc/react";
import { serverCaller } from "../trpc/server";
import { ChaosDrawer } from "./_components/chaos-drawer";
import { NavLinks } from "./_components/nav-links";
import { SessionBox } from "./_components/session-box";
import { SessionProvider } from "./_components/session-context";
import "./global.css";

export const metadata: Metadata = {
  title: { default: "Oncely", template: "%s · Oncely" },
  description: "Retries are safe: every payment happens once.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

// Per-request data (session, balances): never prerendered, so `next build` needs no database.
export const dynamic = "force-dynamic";

export default async function RootLayout({ children }: { children: ReactNode }) {
  const demo = isDemoMode();
  const session = await findSession();
  // The chaos panel exists only in demo mode; the API refuses chaos.* otherwise too.
  const chaos = demo && session ? await serverCaller(session.authorization).chaos.get() : null;
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <TRPCReactProvider>
          <SessionProvider principal={session?.principal ?? ""}>
            <header className="topbar">
              <div className="topbar-inner">
                <Link href="/" className="brand">
                  Oncely
                </Link>
                {session ? <NavLinks /> : null}
                <div className="topbar-end">
                  {chaos ? <ChaosDrawer initial={chaos} /> : null}
                  <SessionBox session={session} demo={demo} />
                </div>
              </div>
            </header>
            <main id="main">{children}</main>
          </SessionProvider>
        </TRPCReactProvider>
      </body>
    </html>
  );
}
