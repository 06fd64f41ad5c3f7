//! Profile fields of a user (Foreman's `description`, `locale`, `timezone`): their choices and rules.

use std::collections::BTreeMap;

use crate::error::ValidationErrors;

/// Longest accepted description, in characters.
pub const MAX_DESCRIPTION: usize = 1024;

/// Foreman's locales: code and the language's own name.
const LOCALES: [(&str, &str); 18] = [
    ("ca", "Català"),
    ("cs_CZ", "Čeština"),
    ("de", "Deutsch"),
    ("en", "English"),
    ("en_GB", "English (United Kingdom)"),
    ("es", "Español"),
    ("fr", "Français"),
    ("gl", "Galego"),
    ("it", "Italiano"),
    ("ja", "日本語"),
    ("ko", "한국어"),
    ("nl_NL", "Nederlands"),
    ("pl", "Polski"),
    ("pt_BR", "Português (Brasil)"),
    ("ru", "Русский"),
    ("sv_SE", "Svenska"),
    ("zh_CN", "简体中文"),
    ("zh_TW", "繁體中文"),
];

/// Foreman's (Rails `ActiveSupport::TimeZone`) zone names and the IANA zone each one stands for.
const RAILS_ZONES: &[(&str, &str)] = &[
    ("International Date Line West", "Etc/GMT+12"),
    ("American Samoa", "Pacific/Pago_Pago"),
    ("Midway Island", "Pacific/Midway"),
    ("Hawaii", "Pacific/Honolulu"),
    ("Alaska", "America/Juneau"),
    ("Pacific Time (US & Canada)", "America/Los_Angeles"),
    ("Tijuana", "America/Tijuana"),
    ("Arizona", "America/Phoenix"),
    ("Chihuahua", "America/Chihuahua"),
    ("Mazatlan", "America/Mazatlan"),
    ("Mountain Time (US & Canada)", "America/Denver"),
    ("Central America", "America/Guatemala"),
    ("Central Time (US & Canada)", "America/Chicago"),
    ("Guadalajara", "America/Mexico_City"),
    ("Mexico City", "America/Mexico_City"),
    ("Monterrey", "America/Monterrey"),
    ("Saskatchewan", "America/Regina"),
    ("Bogota", "America/Bogota"),
    ("Eastern Time (US & Canada)", "America/New_York"),
    ("Indiana (East)", "America/Indiana/Indianapolis"),
    ("Lima", "America/Lima"),
    ("Quito", "America/Lima"),
    ("Atlantic Time (Canada)", "America/Halifax"),
    ("Caracas", "America/Caracas"),
    ("Georgetown", "America/Guyana"),
    ("La Paz", "America/La_Paz"),
    ("Puerto Rico", "America/Puerto_Rico"),
    ("Santiago", "America/Santiago"),
    ("Newfoundland", "America/St_Johns"),
    ("Brasilia", "America/Sao_Paulo"),
    ("Buenos Aires", "America/Argentina/Buenos_Aires"),
    ("Greenland", "America/Nuuk"),
    ("Montevideo", "America/Montevideo"),
    ("Mid-Atlantic", "Atlantic/South_Georgia"),
    ("Azores", "Atlantic/Azores"),
    ("Cape Verde Is.", "Atlantic/Cape_Verde"),
    ("Casablanca", "Africa/Casablanca"),
    ("Dublin", "Europe/Dublin"),
    ("Edinburgh", "Europe/London"),
    ("Lisbon", "Europe/Lisbon"),
    ("London", "Europe/London"),
    ("Monrovia", "Africa/Monrovia"),
    ("UTC", "Etc/UTC"),
    ("Amsterdam", "Europe/Amsterdam"),
    ("Belgrade", "Europe/Belgrade"),
    ("Berlin", "Europe/Berlin"),
    ("Bern", "Europe/Zurich"),
    ("Bratislava", "Europe/Bratislava"),
    ("Brussels", "Europe/Brussels"),
    ("Budapest", "Europe/Budapest"),
    ("Copenhagen", "Europe/Copenhagen"),
    ("Ljubljana", "Europe/Ljubljana"),
    ("Madrid", "Europe/Madrid"),
    ("Paris", "Europe/Paris"),
    ("Prague", "Europe/Prague"),
    ("Rome", "Europe/Rome"),
    ("Sarajevo", "Europe/Sarajevo"),
    ("Skopje", "Europe/Skopje"),
    ("Stockholm", "Europe/Stockholm"),
    ("Vienna", "Europe/Vienna"),
    ("Warsaw", "Europe/Warsaw"),
    ("West Central Africa", "Africa/Algiers"),
    ("Zagreb", "Europe/Zagreb"),
    ("Zurich", "Europe/Zurich"),
    ("Athens", "Europe/Athens"),
    ("Bucharest", "Europe/Bucharest"),
    ("Cairo", "Africa/Cairo"),
    ("Harare", "Africa/Harare"),
    ("Helsinki", "Europe/Helsinki"),
    ("Jerusalem", "Asia/Jerusalem"),
    ("Kaliningrad", "Europe/Kaliningrad"),
    ("Kyiv", "Europe/Kyiv"),
    ("Pretoria", "Africa/Johannesburg"),
    ("Riga", "Europe/Riga"),
    ("Sofia", "Europe/Sofia"),
    ("Tallinn", "Europe/Tallinn"),
    ("Vilnius", "Europe/Vilnius"),
    ("Baghdad", "Asia/Baghdad"),
    ("Istanbul", "Europe/Istanbul"),
    ("Kuwait", "Asia/Kuwait"),
    ("Minsk", "Europe/Minsk"),
    ("Moscow", "Europe/Moscow"),
    ("Nairobi", "Africa/Nairobi"),
    ("Riyadh", "Asia/Riyadh"),
    ("St. Petersburg", "Europe/Moscow"),
    ("Tehran", "Asia/Tehran"),
    ("Abu Dhabi", "Asia/Muscat"),
    ("Baku", "Asia/Baku"),
    ("Muscat", "Asia/Muscat"),
    ("Samara", "Europe/Samara"),
    ("Tbilisi", "Asia/Tbilisi"),
    ("Volgograd", "Europe/Volgograd"),
    ("Yerevan", "Asia/Yerevan"),
    ("Kabul", "Asia/Kabul"),
    ("Ekaterinburg", "Asia/Yekaterinburg"),
    ("Islamabad", "Asia/Karachi"),
    ("Karachi", "Asia/Karachi"),
    ("Tashkent", "Asia/Tashkent"),
    ("Chennai", "Asia/Kolkata"),
    ("Kolkata", "Asia/Kolkata"),
    ("Mumbai", "Asia/Kolkata"),
    ("New Delhi", "Asia/Kolkata"),
    ("Sri Jayawardenepura", "Asia/Colombo"),
    ("Kathmandu", "Asia/Kathmandu"),
    ("Almaty", "Asia/Almaty"),
    ("Astana", "Asia/Almaty"),
    ("Dhaka", "Asia/Dhaka"),
    ("Urumqi", "Asia/Urumqi"),
    ("Rangoon", "Asia/Yangon"),
    ("Bangkok", "Asia/Bangkok"),
    ("Hanoi", "Asia/Bangkok"),
    ("Jakarta", "Asia/Jakarta"),
    ("Krasnoyarsk", "Asia/Krasnoyarsk"),
    ("Novosibirsk", "Asia/Novosibirsk"),
    ("Beijing", "Asia/Shanghai"),
    ("Chongqing", "Asia/Chongqing"),
    ("Hong Kong", "Asia/Hong_Kong"),
    ("Irkutsk", "Asia/Irkutsk"),
    ("Kuala Lumpur", "Asia/Kuala_Lumpur"),
    ("Perth", "Australia/Perth"),
    ("Singapore", "Asia/Singapore"),
    ("Taipei", "Asia/Taipei"),
    ("Ulaanbaatar", "Asia/Ulaanbaatar"),
    ("Osaka", "Asia/Tokyo"),
    ("Sapporo", "Asia/Tokyo"),
    ("Seoul", "Asia/Seoul"),
    ("Tokyo", "Asia/Tokyo"),
    ("Yakutsk", "Asia/Yakutsk"),
    ("Adelaide", "Australia/Adelaide"),
    ("Darwin", "Australia/Darwin"),
    ("Brisbane", "Australia/Brisbane"),
    ("Canberra", "Australia/Canberra"),
    ("Guam", "Pacific/Guam"),
    ("Hobart", "Australia/Hobart"),
    ("Melbourne", "Australia/Melbourne"),
    ("Port Moresby", "Pacific/Port_Moresby"),
    ("Sydney", "Australia/Sydney"),
    ("Vladivostok", "Asia/Vladivostok"),
    ("Magadan", "Asia/Magadan"),
    ("New Caledonia", "Pacific/Noumea"),
    ("Solomon Is.", "Pacific/Guadalcanal"),
    ("Srednekolymsk", "Asia/Srednekolymsk"),
    ("Auckland", "Pacific/Auckland"),
    ("Fiji", "Pacific/Fiji"),
    ("Kamchatka", "Asia/Kamchatka"),
    ("Marshall Is.", "Pacific/Majuro"),
    ("Wellington", "Pacific/Auckland"),
    ("Chatham Is.", "Pacific/Chatham"),
    ("Nuku'alofa", "Pacific/Tongatapu"),
    ("Samoa", "Pacific/Apia"),
    ("Tokelau Is.", "Pacific/Fakaofo"),
];

/// `user.locale_choices`: `{code: language name}`.
pub fn locale_choices() -> BTreeMap<String, String> {
    LOCALES
        .iter()
        .map(|(code, name)| (code.to_string(), name.to_string()))
        .collect()
}

/// `user.timezone_choices`: every zone of the IANA database, `{name: name}`.
pub fn timezone_choices() -> BTreeMap<String, String> {
    chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| (tz.name().to_string(), tz.name().to_string()))
        .collect()
}

/// The IANA name a given time zone is stored as: an IANA name as it is, a Rails name as its zone; `None` when
/// it is neither.
pub fn canonical_timezone(given: &str) -> Option<String> {
    if given.parse::<chrono_tz::Tz>().is_ok() {
        return Some(given.to_string());
    }
    RAILS_ZONES
        .iter()
        .find(|(rails, _)| *rails == given)
        .map(|(_, iana)| iana.to_string())
}

/// Whether `code` is one of the supported locales.
pub fn is_locale(code: &str) -> bool {
    LOCALES.iter().any(|(c, _)| *c == code)
}

/// The profile fields a call supplied (`None`: not supplied; `Some(None)`: cleared).
#[derive(Debug, Default)]
pub(crate) struct ProfileFields<'a> {
    pub description: Option<Option<&'a str>>,
    pub locale: Option<Option<&'a str>>,
    pub timezone: Option<Option<&'a str>>,
}

/// Checks the supplied profile fields under `<schema>.<field>`.
pub(crate) fn validate_profile(errs: &mut ValidationErrors, schema: &str, data: &ProfileFields<'_>) {
    if let Some(Some(description)) = data.description {
        if description.chars().count() > MAX_DESCRIPTION {
            errs.add(
                format!("{schema}.description"),
                format!("String should have at most {MAX_DESCRIPTION} characters"),
            );
        } else if description.chars().any(char::is_control) {
            errs.add(format!("{schema}.description"), "Control characters are not allowed.");
        }
    }
    if let Some(Some(locale)) = data.locale
        && !is_locale(locale)
    {
        errs.add(format!("{schema}.locale"), "Invalid locale");
    }
    if let Some(Some(timezone)) = data.timezone
        && canonical_timezone(timezone).is_none()
    {
        errs.add(format!("{schema}.timezone"), "Invalid timezone");
    }
}

/// Replaces a supplied Rails zone name by its IANA zone (an unknown name stays, for validation to refuse).
pub(crate) fn normalize_timezone(timezone: &mut Option<String>) {
    if let Some(given) = timezone.as_deref()
        && let Some(iana) = canonical_timezone(given)
    {
        *timezone = Some(iana);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The zone names of Foreman's `user[timezone]` parameter (seed 002), in its order.
    const FOREMAN_NAMES: &str = "International Date Line West, American Samoa, Midway Island, Hawaii, Alaska, \
        Pacific Time (US & Canada), Tijuana, Arizona, Chihuahua, Mazatlan, Mountain Time (US & Canada), Central \
        America, Central Time (US & Canada), Guadalajara, Mexico City, Monterrey, Saskatchewan, Bogota, Eastern \
        Time (US & Canada), Indiana (East), Lima, Quito, Atlantic Time (Canada), Caracas, Georgetown, La Paz, \
        Puerto Rico, Santiago, Newfoundland, Brasilia, Buenos Aires, Greenland, Montevideo, Mid-Atlantic, Azores, \
        Cape Verde Is., Casablanca, Dublin, Edinburgh, Lisbon, London, Monrovia, UTC, Amsterdam, Belgrade, Berlin, \
        Bern, Bratislava, Brussels, Budapest, Copenhagen, Ljubljana, Madrid, Paris, Prague, Rome, Sarajevo, \
        Skopje, Stockholm, Vienna, Warsaw, West Central Africa, Zagreb, Zurich, Athens, Bucharest, Cairo, Harare, \
        Helsinki, Jerusalem, Kaliningrad, Kyiv, Pretoria, Riga, Sofia, Tallinn, Vilnius, Baghdad, Istanbul, \
        Kuwait, Minsk, Moscow, Nairobi, Riyadh, St. Petersburg, Tehran, Abu Dhabi, Baku, Muscat, Samara, Tbilisi, \
        Volgograd, Yerevan, Kabul, Ekaterinburg, Islamabad, Karachi, Tashkent, Chennai, Kolkata, Mumbai, New \
        Delhi, Sri Jayawardenepura, Kathmandu, Almaty, Astana, Dhaka, Urumqi, Rangoon, Bangkok, Hanoi, Jakarta, \
        Krasnoyarsk, Novosibirsk, Beijing, Chongqing, Hong Kong, Irkutsk, Kuala Lumpur, Perth, Singapore, Taipei, \
        Ulaanbaatar, Osaka, Sapporo, Seoul, Tokyo, Yakutsk, Adelaide, Darwin, Brisbane, Canberra, Guam, Hobart, \
        Melbourne, Port Moresby, Sydney, Vladivostok, Magadan, New Caledonia, Solomon Is., Srednekolymsk, \
        Auckland, Fiji, Kamchatka, Marshall Is., Wellington, Chatham Is., Nuku'alofa, Samoa, Tokelau Is.";

    #[test]
    fn every_foreman_zone_maps_to_a_zone_of_the_database() {
        let names: Vec<&str> = FOREMAN_NAMES.split(", ").collect();
        let table: Vec<&str> = RAILS_ZONES.iter().map(|(rails, _)| *rails).collect();
        assert_eq!(table, names);
        for (rails, iana) in RAILS_ZONES {
            assert!(iana.parse::<chrono_tz::Tz>().is_ok(), "{rails} -> {iana}");
            assert!(timezone_choices().contains_key(*iana), "{iana}");
        }
    }

    #[test]
    fn canonical_names() {
        let cases = [
            ("Europe/Berlin", Some("Europe/Berlin")),
            ("Pacific Time (US & Canada)", Some("America/Los_Angeles")),
            ("Bern", Some("Europe/Zurich")),
            ("UTC", Some("UTC")),
            ("Mars/Olympus_Mons", None),
            ("europe/berlin", None),
            ("", None),
        ];
        for (given, expected) in cases {
            assert_eq!(canonical_timezone(given).as_deref(), expected, "{given}");
        }
    }

    #[test]
    fn profile_rules() {
        let long = "x".repeat(MAX_DESCRIPTION + 1);
        let exact = "é".repeat(MAX_DESCRIPTION);
        let cases: [(ProfileFields<'_>, &[&str]); 6] = [
            (
                ProfileFields {
                    description: Some(Some(&exact)),
                    locale: Some(Some("pt_BR")),
                    timezone: Some(Some("Tokyo")),
                },
                &[],
            ),
            (
                ProfileFields {
                    description: Some(None),
                    locale: Some(None),
                    timezone: Some(None),
                },
                &[],
            ),
            (
                ProfileFields {
                    description: Some(Some(&long)),
                    ..Default::default()
                },
                &["u.description"],
            ),
            (
                ProfileFields {
                    description: Some(Some("two\nlines")),
                    ..Default::default()
                },
                &["u.description"],
            ),
            (
                ProfileFields {
                    locale: Some(Some("en_US")),
                    ..Default::default()
                },
                &["u.locale"],
            ),
            (
                ProfileFields {
                    timezone: Some(Some("Nowhere")),
                    ..Default::default()
                },
                &["u.timezone"],
            ),
        ];
        for (data, expected) in cases {
            let mut errs = ValidationErrors::new();
            validate_profile(&mut errs, "u", &data);
            let attrs: Vec<String> = errs.0.iter().filter_map(|i| i.attribute.clone()).collect();
            assert_eq!(attrs, expected, "{data:?}");
        }
    }
}
