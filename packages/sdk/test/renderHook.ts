import { act, createElement, type ReactNode } from "react";
import { createRoot } from "react-dom/client";

// React warns unless it knows updates are wrapped in act().
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

interface Latest<TResult> {
  current: TResult;
}

/** Calls the hook on every render and keeps what it returned. */
function Probe<TResult>({ hook, latest }: { hook: () => TResult; latest: Latest<TResult> }) {
  latest.current = hook();
  return null;
}

/** Renders a hook in a real React root (needs a DOM environment) and keeps its latest value. */
export function renderHook<TResult>(hook: () => TResult, wrap: (children: ReactNode) => ReactNode) {
  const result: Latest<TResult> = { current: undefined as TResult };
  const root = createRoot(document.createElement("div"));
  act(() => root.render(wrap(createElement(Probe<TResult>, { hook, latest: result }))));
  return { result, unmount: () => act(() => root.unmount()) };
}
