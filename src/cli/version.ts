/** snp-launch's version, printed by `snp-launch --version` and written into --json output. Keep in step with package.json. */
export const SNP_LAUNCH_VERSION = '0.1.0';
