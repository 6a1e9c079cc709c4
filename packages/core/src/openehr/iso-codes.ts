/**
 * Code sets EHRbase (2.16 and 2.31) checks CODE_PHRASE values against (invariants Language_valid,
 * Territory_valid, Encoding_valid), as listed in the openEHR external terminologies file bundled
 * with EHRbase's RM library (ISO 639-1 with regional variants, ISO 3166-1 alpha-2, IANA character
 * sets). Case-sensitive, like the server. An unknown `ctx/language` or `ctx/territory` makes
 * EHRbase answer 500, so catching these before sending matters.
 */

function codeSet(codes: string): ReadonlySet<string> {
  return new Set(codes.split(" "));
}

/**
 * ISO_639-1 codes (with openEHR's regional variants) of the openEHR external terminologies file:
 * what EHRbase accepts in a CODE_PHRASE `language|code` (composition or entry; invariant Language_valid).
 */
export const ISO_639_1: ReadonlySet<string> = codeSet(
  "aa af ak sq am ar ar-sa ar-iq ar-eg ar-ly ar-dz ar-ma ar-tn ar-om ar-ye ar-sy ar-jo ar-lb ar-kw " +
    "ar-ae ar-bh ar-qa an hy as av ay az bm ba eu be bn bi bs br bg my ca ch ce ny zh zh-tw zh-cn " +
    "zh-hk zh-sg zh-mo cv kw co cr hr hr-ba cs da dv nl nl-be dz en en-us en-gb en-au en-ca en-nz " +
    "en-ie en-za en-jm en-cb en-bz en-tt en-ph en-zw eo et ee fo fj fi fr fr-be fr-ca fr-ch fr-lu " +
    "fr-mc fy ff gd gd-ie gl lg ka de de-ch de-at de-lu de-li el kl gn gu ht ha he hz hi ho hu is ig " +
    "id iu ik ga it it-ch ja jv kn kr ks kk km ki rw ky kv kg ko kj ku lo la lv li ln lt lu lb mk mg " +
    "ms ml mt gv mi mr mh mn na nv nd nr ng ne nb nn ii oc oj or om os ps fa pl pt pt-br pt-pt pa qu " +
    "qu-bo qu-ec qu-pe ro ro-mo rm rn ru ru-mo se sz sm sg sc sr sr-ba sb sn sd si sk sl so st es " +
    "es-mx es-gt es-cr es-pa es-do es-ve es-co es-pe es-ar es-ec es-cl es-uy es-py es-bo es-sv es-hn " +
    "es-ni es-pr su sx sw ss sv sv-fi tl ty tg ta tt te th bo ti to ts tn tr tk tw ug uk ur uz ve vi " +
    "wa cy cy-gb cy-ar wo xh yi ji yo za zu",
);

/**
 * The languages EHRbase's FLAT reader knows for `ctx/language` (the openEHR SDK's Language enum, the
 * same in EHRbase 2.16 and 2.31). Any other code there makes EHRbase answer 500 ("Unknown Value … in
 * terminology ISO_639-1"), `ar` included; such languages can still be given as `<root>/language|code`
 * plus each entry's `language|code`, which do not go through that enum.
 */
export const FLAT_CTX_LANGUAGES: ReadonlySet<string> = codeSet(
  "aa af sq ar-sa ar-iq ar-eg ar-ly ar-dz ar-ma ar-tn ar-om ar-ye ar-sy ar-jo ar-lb ar-kw ar-ae " +
    "ar-bh ar-qa az eu be bg ca zh zh-tw zh-cn zh-hk zh-sg hr cs da nl nl-be en en-us en-gb en-au " +
    "en-ca en-nz en-ie en-za en-jm en-bz en-tt et fo fi fr fr-be fr-ca fr-ch fr-lu gd gd-ie de de-ch " +
    "de-at de-lu de-li el he hi hu is id it it-ch ja kk km ko lv lt mk mt nb nn fa pl pt pt-br pt-pt " +
    "ro ro-mo rm ru ru-mo sz sr sb si sk sl es es-mx es-gt es-cr es-pa es-do es-ve es-co es-pe es-ar " +
    "es-ec es-cl es-uy es-py es-bo es-sv es-hn es-ni es-pr sx sv sv-fi th ts tn tr uk ur ve vi cy " +
    "cy-gb cy-ar xh ji zu",
);

/** ISO_3166-1 alpha-2 country codes. */
export const ISO_3166_1: ReadonlySet<string> = codeSet(
  "AF AX AL DZ AS AD AO AI AQ AG AR AM AW AU AT AZ BS BH BD BB BY BE BZ BJ BM BT BO BQ BA BW BV BR IO " +
    "BN BG BF BI KH CM CA CV KY CF TD CL CN CX CC CO KM CG CD CK CR CI HR CU CW CY CZ DK DJ DM DO EC EG " +
    "SV GQ ER EE SZ ET FK FO FJ FI FR GF PF TF GA GM GE DE GH GI GR GL GD GP GU GT GG GN GW GY HT HM VA " +
    "HN HK HU IS IN ID IR IQ IE IM IL IT JM JP JE JO KZ KE KI KP KR KW KG LA LV LB LS LR LY LI LT LU MO " +
    "MG MW MY MV ML MT MH MQ MR MU YT MX FM MD MC MN ME MS MA MZ MM NA NR NP NL AN NC NZ NI NE NG NU NF " +
    "MK MP NO OM PK PW PS PA PG PY PE PH PN PL PT PR QA RE RO RU RW BL SH KN LC MF PM VC WS SM ST SA SN " +
    "RS SC SL SG SX SK SI SB SO ZA GS SS ES LK SD SR SJ SE CH SY TW TJ TZ TH TL TG TK TO TT TN TR TM TC " +
    "TV UG UA AE GB US UM UY UZ VU VE VN VG VI WF EH YE ZM ZW",
);

/** IANA_character-sets accepted for ENTRY.encoding. */
export const IANA_CHARACTER_SETS: ReadonlySet<string> = codeSet(
  "ISO-10646-UTF-1 ISO_8859-1:1987 ISO-8859-2 ISO_8859-3:1988 ISO-8859-15 US-ASCII UTF-7 UTF-8 UTF-16 " +
    "UTF-16BE UTF-16LE UTF-32 UTF-32BE UTF-32LE",
);
