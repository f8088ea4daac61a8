import { z } from 'zod'

/** Gender categories of German civil-status law (PStG §22): weiblich, männlich, divers, ohne Angabe. */
export const Gender = z.enum(['female', 'male', 'diverse', 'unspecified'])
export type Gender = z.infer<typeof Gender>

export const GENDER_LABELS: Record<Gender, { de: string; en: string }> = {
  female: { de: 'weiblich', en: 'female' },
  male: { de: 'männlich', en: 'male' },
  diverse: { de: 'divers', en: 'diverse' },
  unspecified: { de: 'ohne Angabe', en: 'unspecified' },
}
