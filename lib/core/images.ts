/**
 * Redis image used when the cohort file names none: Docker's official image from ECR Public.
 * 7.4.11 is the newest 7.4 patch in Docker's official library (docker-library/official-images
 * library/redis, 2026-08-18). It includes the fixes 7.4.2 lacked: CVE-2025-21605 (7.4.3), the Lua
 * CVEs CVE-2025-49844/46817/46818/46819 (7.4.6) and the 7.4.8-7.4.11 security releases.
 */
export const DEFAULT_REDIS_IMAGE = 'public.ecr.aws/docker/library/redis:7.4.11-alpine';

/** The images built from `images/<name>` in this repository. */
export const BUILT_IMAGES = ['mlflow', 'feast', 'monitoring'] as const;
/** One of {@link BUILT_IMAGES}. */
export type BuiltImage = (typeof BUILT_IMAGES)[number];
