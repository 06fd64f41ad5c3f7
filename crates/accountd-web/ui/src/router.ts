// Hash routes (`#/users/5`): the page is one file served at /ui/, so every route works on reload.
import { useEffect, useState } from "preact/hooks";

export function navigate(path: string): void {
  window.location.hash = `#${path}`;
}

/** The current route's path (`/users/5`), updated on navigation. */
export function useRoute(): string {
  const read = () => window.location.hash.replace(/^#/, "") || "/users";
  const [path, setPath] = useState(read);
  useEffect(() => {
    const onChange = () => setPath(read());
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return path;
}
