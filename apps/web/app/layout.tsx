import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { isDemoMode } from "../server/demo";
import { currentSession } from "../server/principal";
import { TRPCReactProvider } from "../trpc/react";
import { ChaosPanel } from "./_components/chaos-panel";
import { NavLinks } from "./_components/nav-links";
import { SessionSwitcher } from "./_components/session-switcher";
import "./global.css";

export const metadata: Metadata = {
  title: { default: "Oncely", template: "%s · Oncely" },
  description: "Retries are safe: every payment happens once.",
};

// Per-request data (session, balances): never prerendered, so `next build` needs no database.
export const dynamic = "force-dynamic";

export default async function RootLayout({ children }: { children: ReactNode }) {
  const { principal, caller } = await currentSession();
  // The chaos panel exists only in demo mode; the API refuses chaos.* otherwise too.
  const chaos = isDemoMode() ? await caller.chaos.get() : null;
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <TRPCReactProvider>
          <header className="topbar">
            <div className="topbar-inner">
              <Link href="/" className="brand">
                Oncely
              </Link>
              <NavLinks />
              <SessionSwitcher current={principal.name} />
            </div>
          </header>
          {chaos ? (
            <div className="chaos-wrap">
              <ChaosPanel initial={chaos} />
            </div>
          ) : null}
          <main id="main">{children}</main>
        </TRPCReactProvider>
      </body>
    </html>
  );
}
