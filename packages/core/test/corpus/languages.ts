/**
 * One note per language the project supports or refuses, written in that language (all content
 * invented): the language dimension of the corpus, the agreement test and the language round trip.
 * `delivered` = stored and read back with language and texts intact; `refused` = rejected before
 * sending, naming `language` (EHRbase cannot store it, see README "Languages").
 */
import type { SoapNote } from "../../src/soap/note.js";
import { baseNote } from "../helpers/notes.js";

export interface LanguageCase {
  language: string;
  territory: string;
  expect: "delivered" | "refused";
  /** Texts EHRbase must hold for category 433 and setting 238 (the openEHR rubric it checks). */
  category?: string;
  setting?: string;
  texts: Pick<SoapNote, "subjective" | "objective" | "assessment" | "plan"> & { diagnosis: string };
}

const ENGLISH = { category: "event", setting: "other care" };

export const LANGUAGE_CASES: LanguageCase[] = [
  {
    language: "en",
    territory: "US",
    expect: "delivered",
    ...ENGLISH,
    texts: {
      subjective: "Sore throat for three days, no fever.",
      objective: "Mild pharyngeal redness on video.",
      assessment: "Viral pharyngitis.",
      plan: "Fluids, rest, paracetamol if needed.",
      diagnosis: "Acute pharyngitis",
    },
  },
  {
    language: "pt",
    territory: "BR",
    expect: "delivered",
    category: "evento",
    setting: "outro cuidado",
    texts: {
      subjective: "Dor de garganta há três dias, sem febre.",
      objective: "Leve hiperemia de orofaringe na videochamada.",
      assessment: "Faringite viral.",
      plan: "Hidratação, repouso e paracetamol se necessário.",
      diagnosis: "Faringite aguda",
    },
  },
  {
    language: "pt-pt",
    territory: "PT",
    expect: "delivered",
    ...ENGLISH,
    texts: {
      subjective: "Tosse seca há uma semana.",
      objective: "Auscultação não realizada (teleconsulta).",
      assessment: "Traqueobronquite provável.",
      plan: "Reavaliar dentro de 48 horas.",
      diagnosis: "Bronquite aguda",
    },
  },
  {
    language: "es",
    territory: "ES",
    expect: "refused",
    texts: {
      subjective: "Dolor de garganta desde hace tres días, sin fiebre.",
      objective: "Leve enrojecimiento faríngeo en la videollamada.",
      assessment: "Faringitis vírica.",
      plan: "Líquidos, reposo y paracetamol si lo necesita.",
      diagnosis: "Faringitis aguda",
    },
  },
  {
    language: "es-mx",
    territory: "MX",
    expect: "delivered",
    ...ENGLISH,
    texts: {
      subjective: "Dolor de cabeza y congestión nasal desde ayer.",
      objective: "Sin datos de alarma en la videoconsulta.",
      assessment: "Rinofaringitis.",
      plan: "Lavados nasales y reposo; acudir si hay fiebre alta.",
      diagnosis: "Rinofaringitis aguda",
    },
  },
  {
    language: "es-ar",
    territory: "AR",
    expect: "delivered",
    ...ENGLISH,
    texts: {
      subjective: "Tos seca hace cinco días.",
      objective: "Buena mecánica ventilatoria por video.",
      assessment: "Bronquitis aguda probable.",
      plan: "Control en 48 horas.",
      diagnosis: "Bronquitis aguda",
    },
  },
  {
    language: "ar",
    territory: "AE",
    expect: "delivered",
    ...ENGLISH,
    texts: {
      subjective: "ألم في الحلق منذ ثلاثة أيام دون حمى.",
      objective: "احمرار خفيف في البلعوم عبر مكالمة الفيديو.",
      assessment: "التهاب بلعوم فيروسي.",
      plan: "سوائل وراحة وباراسيتامول عند الحاجة.",
      diagnosis: "التهاب البلعوم الحاد",
    },
  },
  {
    language: "ja",
    territory: "JP",
    expect: "refused",
    texts: {
      subjective: "三日前から喉の痛み、発熱なし。",
      objective: "ビデオ通話で咽頭の軽度発赤。",
      assessment: "ウイルス性咽頭炎。",
      plan: "水分補給と安静、必要時アセトアミノフェン。",
      diagnosis: "急性咽頭炎",
    },
  },
  {
    language: "zh",
    territory: "CN",
    expect: "delivered",
    ...ENGLISH,
    texts: {
      subjective: "咽喉痛三天，无发热。",
      objective: "视频中见咽部轻度充血。",
      assessment: "病毒性咽炎。",
      plan: "多喝水，休息，必要时服用对乙酰氨基酚。",
      diagnosis: "急性咽炎",
    },
  },
  {
    language: "fr",
    territory: "FR",
    expect: "delivered",
    ...ENGLISH,
    texts: {
      subjective: "Mal de gorge depuis trois jours, pas de fièvre.",
      objective: "Légère rougeur pharyngée à la vidéo.",
      assessment: "Pharyngite virale.",
      plan: "Hydratation, repos, paracétamol si besoin.",
      diagnosis: "Pharyngite aiguë",
    },
  },
  {
    language: "de",
    territory: "DE",
    expect: "delivered",
    ...ENGLISH,
    texts: {
      subjective: "Halsschmerzen seit drei Tagen, kein Fieber.",
      objective: "Leichte Rötung des Rachens im Video.",
      assessment: "Virale Pharyngitis.",
      plan: "Viel trinken, Ruhe, bei Bedarf Paracetamol.",
      diagnosis: "Akute Pharyngitis",
    },
  },
  {
    language: "it",
    territory: "IT",
    expect: "delivered",
    ...ENGLISH,
    texts: {
      subjective: "Mal di gola da tre giorni, senza febbre.",
      objective: "Lieve arrossamento faringeo in videochiamata.",
      assessment: "Faringite virale.",
      plan: "Idratazione, riposo, paracetamolo al bisogno.",
      diagnosis: "Faringite acuta",
    },
  },
];

/** A complete note (vitals and an ICD-10 diagnosis included) written in the case's language. */
export function languageNote(c: LanguageCase): SoapNote {
  const { diagnosis, ...sections } = c.texts;
  return baseNote({
    language: c.language,
    territory: c.territory,
    ...sections,
    diagnoses: [{ system: "ICD-10", code: "J02.9", display: diagnosis }],
  });
}
