export const PACKAGE_PLACEHOLDER = true;
