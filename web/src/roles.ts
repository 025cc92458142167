import type { User } from './types';

// Roles include the ones below them: viewer < operator < admin.
export const canOperate = (u: User) => u.role === 'operator' || u.role === 'admin';
