import { isFrenchPublicHoliday } from './fr-holidays.js';
import type { TimePack } from './types.js';

/**
 * Hours when telemarketing calls are legal in France: Monday to Friday, 10:00–13:00 and 14:00–20:00, never on
 * Saturdays, Sundays or public holidays (Paris time). Source: décret n° 2022-1313 du 13 octobre 2022,
 * Code de la consommation art. D.223-8 (in force since 1 March 2023).
 * `time: { outside: fr-legal-hours }` therefore holds at night, over lunch (13:00–14:00), at weekends and on
 * public holidays.
 */
export const FR_LEGAL_HOURS: TimePack = {
  kind: 'time',
  name: 'fr-legal-hours',
  description: 'French legal telemarketing hours: Mon–Fri 10:00–13:00 and 14:00–20:00 Europe/Paris, not on public holidays',
  timezone: 'Europe/Paris',
  windows: [
    { days: ['mon-fri'], from: '10:00', to: '13:00' },
    { days: ['mon-fri'], from: '14:00', to: '20:00' },
  ],
  isHoliday: isFrenchPublicHoliday,
};
