// Types of scripts/release.mjs, for the tests and for other release steps written in TypeScript.
export interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}
export interface Tarballs {
  client: string;
  toolkit: string;
}
export declare const RELEASE_DIR: string;
export declare function versionProblems(rootManifest?: Manifest, clientManifest?: Manifest): string[];
export declare function packRelease(): Tarballs;
export declare function installLines(tarballs: Tarballs): { both: string; client: string };
/** Releases the description first when its info.version has no release yet; the step's exit status, or undefined when nothing was to release. */
export declare function releaseDescriptionIfNew(): number | null | undefined;
