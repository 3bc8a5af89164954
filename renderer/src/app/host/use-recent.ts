import { useEffect } from 'react';
import { useStore } from 'zustand';
import { useWorkbench } from '../context';
import { createRecent, type Recent, type RecentState } from './recent';

/** The window's recent list (main's recent.list), one per connection, shared by every view that shows it. */
export function useRecentList(): Recent {
  return createRecent(useWorkbench().client.api);
}

/**
 * Recent projects and files as main keeps them, read again each time a view showing them mounts
 * (main records what was opened or imported meanwhile, also from another window or browser).
 */
export function useRecentEntries<T>(selector: (state: RecentState) => T): T {
  const recent = useRecentList();
  useEffect(() => {
    void recent.refresh();
  }, [recent]);
  return useStore(recent.store, selector);
}
