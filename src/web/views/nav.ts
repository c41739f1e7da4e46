import type { WebRole } from '../../domain/auth/auth.ts';

export interface NavItem {
  href: string;
  label: string;
  /** Lowest role that sees it: 'staff' items show to everyone signed in, 'admin' items to admins. */
  role: WebRole;
}

/**
 * The main navigation, in order. Features add one entry here (check-out and incidents come
 * next); the header renders whatever the signed-in role may see.
 */
export const NAV_ITEMS: NavItem[] = [
  { href: '/', label: 'Search', role: 'staff' },
  { href: '/checkout', label: 'Check-out', role: 'staff' },
  { href: '/devices', label: 'Devices', role: 'staff' },
  { href: '/incidents', label: 'Incidents', role: 'staff' },
  { href: '/admin/imports', label: 'Imports', role: 'admin' },
  { href: '/admin/photos', label: 'Photos', role: 'admin' },
  { href: '/admin/deliveries', label: 'Deliveries', role: 'admin' },
  { href: '/admin/export', label: 'Export', role: 'admin' },
  { href: '/admin/audit', label: 'Audit log', role: 'admin' },
  { href: '/admin/tokens', label: 'Tokens', role: 'admin' },
  { href: '/admin/staff', label: 'Staff', role: 'admin' },
  { href: '/admin/status', label: 'Status', role: 'admin' },
];

export function visibleNav(role: WebRole): NavItem[] {
  return NAV_ITEMS.filter((item) => item.role === 'staff' || role === 'admin');
}
