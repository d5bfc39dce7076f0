//! The functions the parser accepts, with their parameter counts, and whether the evaluator
//! models them (a function that parses but is not modelled evaluates to unknown).

/// `max == MANY` means no upper bound.
pub(crate) const MANY: u8 = u8::MAX;

pub(crate) struct FnSig {
    pub name: &'static str,
    pub min: u8,
    pub max: u8,
    pub modelled: bool,
}

const fn f(name: &'static str, min: u8, max: u8, modelled: bool) -> FnSig {
    FnSig {
        name,
        min,
        max,
        modelled,
    }
}

pub(crate) const FUNCTIONS: &[FnSig] = &[
    // Logical
    f("IF", 3, 3, true),
    f("CASE", 4, MANY, true),
    f("AND", 1, MANY, true),
    f("OR", 1, MANY, true),
    f("NOT", 1, 1, true),
    f("ISBLANK", 1, 1, true),
    f("ISNULL", 1, 1, true),
    f("BLANKVALUE", 2, 2, true),
    f("NULLVALUE", 2, 2, true),
    f("ISPICKVAL", 2, 2, true),
    f("INCLUDES", 2, 2, true),
    f("ISNUMBER", 1, 1, true),
    f("ISNEW", 0, 0, true),
    f("ISCHANGED", 1, 1, true),
    f("PRIORVALUE", 1, 1, true),
    f("ISCLONE", 0, 0, true),
    // Text
    f("TEXT", 1, 1, true),
    f("VALUE", 1, 1, true),
    f("LEN", 1, 1, true),
    f("CONTAINS", 2, 2, true),
    f("BEGINS", 2, 2, true),
    f("REGEX", 2, 2, true),
    f("LEFT", 2, 2, true),
    f("RIGHT", 2, 2, true),
    f("MID", 3, 3, true),
    f("UPPER", 1, 2, true),
    f("LOWER", 1, 2, true),
    f("TRIM", 1, 1, true),
    f("SUBSTITUTE", 3, 3, true),
    f("FIND", 2, 3, true),
    f("CASESAFEID", 1, 1, true),
    f("LPAD", 2, 3, true),
    f("RPAD", 2, 3, true),
    f("BR", 0, 0, true),
    f("INITCAP", 1, 1, true),
    f("REVERSE", 1, 1, true),
    f("ASCII", 1, 1, true),
    f("CHR", 1, 1, true),
    // Date and time
    f("NOW", 0, 0, true),
    f("TODAY", 0, 0, true),
    f("TIMENOW", 0, 0, true),
    f("DATE", 3, 3, true),
    f("DATEVALUE", 1, 1, true),
    f("DATETIMEVALUE", 1, 1, true),
    f("YEAR", 1, 1, true),
    f("MONTH", 1, 1, true),
    f("DAY", 1, 1, true),
    f("WEEKDAY", 1, 1, true),
    f("ADDMONTHS", 2, 2, true),
    f("DAYOFYEAR", 1, 1, true),
    // Math
    f("ABS", 1, 1, true),
    f("CEILING", 1, 1, true),
    f("FLOOR", 1, 1, true),
    f("MCEILING", 1, 1, true),
    f("MFLOOR", 1, 1, true),
    f("ROUND", 2, 2, true),
    f("MOD", 2, 2, true),
    f("MAX", 1, MANY, true),
    f("MIN", 1, MANY, true),
    f("SQRT", 1, 1, true),
    f("EXP", 1, 1, true),
    f("LN", 1, 1, true),
    f("LOG", 1, 1, true),
    // Markup and the session: text (HYPERLINK and IMAGE build the HTML the platform renders;
    // the session id's value cannot be known).
    f("HYPERLINK", 2, 3, true),
    f("IMAGE", 2, 4, true),
    f("GETSESSIONID", 0, 0, true),
    // Parsed, not modelled: they evaluate to unknown.
    f("VLOOKUP", 3, 3, false),
    f("GETRECORDIDS", 1, 1, false),
    f("LINKTO", 2, 4, false),
    f("URLFOR", 1, 4, false),
    f("REQUIRESCRIPT", 1, 1, false),
    f("INCLUDE", 1, 2, false),
    f("HTMLENCODE", 1, 1, false),
    f("JSENCODE", 1, 1, false),
    f("JSINHTMLENCODE", 1, 1, false),
    f("URLENCODE", 1, 1, false),
    f("GEOLOCATION", 2, 2, false),
    f("DISTANCE", 3, 3, false),
    f("CURRENCYRATE", 1, 1, false),
    f("PARENTGROUPVAL", 2, 4, false),
    f("PREVGROUPVAL", 2, 3, false),
    f("TIMEVALUE", 1, 1, false),
    f("HOUR", 1, 1, false),
    f("MINUTE", 1, 1, false),
    f("SECOND", 1, 1, false),
    f("MILLISECOND", 1, 1, false),
    f("ISOWEEK", 1, 1, false),
    f("ISOYEAR", 1, 1, false),
    f("UNIXTIMESTAMP", 1, 1, false),
    f("FROMUNIXTIME", 1, 1, false),
    f("FORMATDURATION", 1, 3, false),
    f("IMAGEPROXYURL", 1, 1, false),
    f("PREDICT", 1, MANY, false),
    f("JUNCTIONIDLIST", 1, MANY, false),
];

pub(crate) fn lookup(upper_name: &str) -> Option<&'static FnSig> {
    FUNCTIONS.iter().find(|s| s.name == upper_name)
}

/// The Salesforce-style arity message, or `None` when `n` arguments fit.
pub(crate) fn arity_error(sig: &FnSig, n: usize) -> Option<String> {
    let ok_range = n >= sig.min as usize && (sig.max == MANY || n <= sig.max as usize);
    let case_shape = sig.name != "CASE" || n % 2 == 0;
    if ok_range && case_shape {
        return None;
    }
    let expected = if sig.name == "CASE" {
        "4, 6, 8, … (an even number)".to_string()
    } else if sig.min as usize == sig.max as usize {
        sig.min.to_string()
    } else if sig.max == MANY {
        format!("at least {}", sig.min)
    } else if sig.max == sig.min + 1 {
        format!("{} or {}", sig.min, sig.max)
    } else {
        format!("{} to {}", sig.min, sig.max)
    };
    Some(format!(
        "Incorrect number of parameters for function '{}()'. Expected {}, received {}",
        sig.name, expected, n
    ))
}
