import { isEhrbaseError } from "./errors.js";
import type { HttpTransport } from "./http.js";
import type { TemplateMetadata, WebTemplate } from "./types.js";

/** The template_id inside an OPT, read without an XML parser (works in every runtime). */
export function templateIdOf(optXml: string): string {
  const match = /<template_id>\s*<value>([^<]+)<\/value>/.exec(optXml);
  if (!match) throw new TypeError("OPT has no <template_id><value>…</value></template_id>");
  return match[1]!.trim();
}

export class TemplatesApi {
  constructor(private readonly http: HttpTransport) {}

  async list(): Promise<TemplateMetadata[]> {
    const response = await this.http.request({
      method: "GET",
      path: "/definition/template/adl1.4",
      headers: { accept: "application/json" },
      safe: true,
    });
    return JSON.parse(response.text) as TemplateMetadata[];
  }

  /** POST an ADL 1.4 OPT. An id that exists → EhrbaseConflictError (409); EHRbase never overwrites by default. */
  async upload(optXml: string): Promise<{ templateId: string }> {
    const templateId = templateIdOf(optXml);
    await this.http.request({
      method: "POST",
      path: "/definition/template/adl1.4",
      headers: { "content-type": "application/xml", accept: "application/xml" },
      body: optXml,
    });
    return { templateId };
  }

  /** Upload unless present: "already exists" counts as success. */
  async ensure(optXml: string): Promise<{ templateId: string; created: boolean }> {
    try {
      const { templateId } = await this.upload(optXml);
      return { templateId, created: true };
    } catch (error) {
      if (isEhrbaseError(error) && error.code === "conflict")
        return { templateId: templateIdOf(optXml), created: false };
      throw error;
    }
  }

  /** The stored OPT XML; null when unknown. */
  async getOpt(templateId: string): Promise<string | null> {
    const response = await this.http.request({
      method: "GET",
      path: `/definition/template/adl1.4/${encodeURIComponent(templateId)}`,
      headers: { accept: "application/xml" },
      safe: true,
      accept: [404],
    });
    return response.status === 404 ? null : response.text;
  }

  /** The web template (JSON) EHRbase derives from the OPT; null when unknown. */
  async getWebTemplate(templateId: string): Promise<WebTemplate | null> {
    const response = await this.http.request({
      method: "GET",
      path: `/definition/template/adl1.4/${encodeURIComponent(templateId)}`,
      headers: { accept: "application/openehr.wt+json" },
      safe: true,
      accept: [404],
    });
    return response.status === 404 ? null : (JSON.parse(response.text) as WebTemplate);
  }
}
