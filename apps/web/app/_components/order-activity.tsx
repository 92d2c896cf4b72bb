"use client";

import { createContext, type ReactNode, useContext, useEffect, useState } from "react";

// What the order page's panels need to know of each other: whether a payment is in flight
// (Cancel waits for its answer instead of racing it).

const PaymentInFlight = createContext<{ paying: boolean; setPaying: (paying: boolean) => void }>({
  paying: false,
  setPaying: () => {},
});

export function OrderActivity({ children }: { children: ReactNode }) {
  const [paying, setPaying] = useState(false);
  return <PaymentInFlight.Provider value={{ paying, setPaying }}>{children}</PaymentInFlight.Provider>;
}

/** True while a payment of this order is in flight. */
export function usePaymentInFlight(): boolean {
  return useContext(PaymentInFlight).paying;
}

/** Tells the page whether a payment is in flight. */
export function useReportPayment(pending: boolean): void {
  const { setPaying } = useContext(PaymentInFlight);
  useEffect(() => {
    setPaying(pending);
    return () => setPaying(false);
  }, [pending, setPaying]);
}
