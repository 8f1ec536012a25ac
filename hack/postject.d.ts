/** The part of postject's API (node_modules/postject/dist/api.js) the collector binary build uses. */
declare module "postject" {
  export function inject(
    filename: string,
    resourceName: string,
    resourceData: Uint8Array,
    options?: { sentinelFuse?: string; machoSegmentName?: string; overwrite?: boolean },
  ): Promise<void>;
}
