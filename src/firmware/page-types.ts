/**
 * SNP page types (SNP firmware ABI, "PAGE_INFO.PAGE_TYPE"; the KVM UAPI keeps the same values).
 * See specs/launch-digest.md §2.2.
 */
export const PageType = {
  INVALID: 0,
  NORMAL: 1,
  VMSA: 2,
  ZERO: 3,
  UNMEASURED: 4,
  SECRETS: 5,
  CPUID: 6,
} as const;
export type PageType = (typeof PageType)[keyof typeof PageType];

export const PAGE_TYPE_NAMES: Record<PageType, string> = {
  0: 'INVALID',
  1: 'NORMAL',
  2: 'VMSA',
  3: 'ZERO',
  4: 'UNMEASURED',
  5: 'SECRETS',
  6: 'CPUID',
};

export function isPageType(v: number): v is PageType {
  return Number.isInteger(v) && v >= 0 && v <= 6;
}

/** Page types whose PAGE_INFO.CONTENTS is the SHA-384 of the page; all others use 48 zero bytes. */
export function hasContents(t: PageType): boolean {
  return t === PageType.NORMAL || t === PageType.VMSA;
}

export const PAGE_SIZE = 4096;
/** The GPA upstream KVM measures every VMSA at (KVM's INITIAL_VMSA_GPA; bits 47..12 set). */
export const KVM_VMSA_GPA = 0xfffffffff000;
