"use client";

import { createContext, type ReactNode, useContext } from "react";

const ActingPrincipal = createContext<string>("");

/** Tells client components who acts (to keep one principal's kept keys from another's). */
export function SessionProvider({ principal, children }: { principal: string; children: ReactNode }) {
  return <ActingPrincipal.Provider value={principal}>{children}</ActingPrincipal.Provider>;
}

export function useActingPrincipal(): string {
  return useContext(ActingPrincipal);
}
