/** The collector's version, in its reports and `--version`. */
export const COLLECTOR_VERSION = "0.1.0";
