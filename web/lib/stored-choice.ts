import { useCallback, useEffect, useState } from 'react';

// A small preference kept in localStorage (the model picked, say), read after the first render so
// the static HTML and the first client render agree.

export function useStoredChoice(key: string): [string | null, (value: string | null) => void] {
  const [value, setValue] = useState<string | null>(null);
  useEffect(() => {
    setValue(window.localStorage.getItem(key));
  }, [key]);
  const store = useCallback(
    (next: string | null) => {
      setValue(next);
      if (next === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, next);
    },
    [key],
  );
  return [value, store];
}
