//! CSV files as spreadsheet programs write them: UTF-8 with or without BOM, UTF-16 with BOM, or Windows-1252;
//! comma, semicolon or tab (read off the header); CRLF or LF; quoted fields with line breaks; `#` comment rows
//! (the templates' instructions) and empty rows skipped. Every importer (users, later the timetable) reads through
//! here, and reports its problems by line and column the same way.

use crate::api::CsvProblem;
use crate::error::{Error, Result};

/// What was read: the header, the rows with the line each starts on, and how the file was written.
#[derive(Debug)]
pub struct Table {
    pub encoding: &'static str,
    pub separator: char,
    /// The header's line and its cells, trimmed.
    pub header_line: u64,
    pub header: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug)]
pub struct Row {
    /// 1-based line of the file where the row starts (a quoted line break makes a row span lines).
    pub line: u64,
    /// Its cells, in one buffer (a file of 10,000 rows is 10,000 allocations, not one per cell).
    record: csv::StringRecord,
}

impl Row {
    /// Cell `i`, trimmed; `None` past the row's end.
    pub fn field(&self, i: usize) -> Option<&str> {
        self.record.get(i).map(str::trim)
    }

    /// Every cell, trimmed.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.record.iter().map(str::trim)
    }

    pub fn len(&self) -> usize {
        self.record.len()
    }

    pub fn is_empty(&self) -> bool {
        self.record.is_empty()
    }
}

/// The file's text and the name of its encoding.
fn decode(bytes: &[u8]) -> (String, &'static str) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (String::from_utf8_lossy(rest).into_owned(), "UTF-8");
    }
    if let Some((encoding, _)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_with_bom_removal(bytes);
        return (text.into_owned(), encoding.name());
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), "UTF-8"),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text.into_owned(), "windows-1252")
        }
    }
}

/// The separator the first row that is not a comment uses most (outside quotes): `;`, `,` or tab.
fn separator(text: &str) -> char {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.trim_start_matches('"').starts_with('#'))
        .unwrap_or("");
    let mut quoted = false;
    let mut counts = [0usize; 3];
    for ch in first.chars() {
        match ch {
            '"' => quoted = !quoted,
            ';' if !quoted => counts[0] += 1,
            ',' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], std::cmp::Reverse(i))).unwrap_or(0);
    if counts[best] == 0 {
        return ',';
    }
    [';', ',', '\t'][best]
}

/// The 1-based line a record starts on. The csv crate's own line count lags after CRLF and empty lines, and its
/// byte offset can point at the line ends before the record: skip those, then count the line ends before.
fn line_of(text: &str, newlines: &[usize], byte: u64) -> u64 {
    let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(text.len());
    while matches!(text.as_bytes().get(start), Some(b'\r' | b'\n')) {
        start += 1;
    }
    newlines.partition_point(|&n| n < start) as u64 + 1
}

/// Reads a whole file. Refuses files larger than `max_bytes`, with more than `max_rows` rows, or with no header.
pub fn read(bytes: &[u8], max_bytes: usize, max_rows: usize) -> Result<Table> {
    if bytes.len() > max_bytes {
        return Err(Error::invalid(
            format!("The file has {} bytes; at most {max_bytes} are read.", bytes.len()),
            format!("Le fichier fait {} octets ; au plus {max_bytes} sont lus.", bytes.len()),
        ));
    }
    // UTF-16 with no byte-order mark: every other byte is zero in a file of Latin letters. Read as Windows-1252 it
    // would give rows full of invisible characters; said plainly instead.
    let head = &bytes[..bytes.len().min(200)];
    let zeros = head.iter().filter(|&&b| b == 0).count();
    if encoding_rs::Encoding::for_bom(bytes).is_none() && head.len() >= 4 && zeros * 3 >= head.len() {
        return Err(Error::invalid(
            "This file looks like UTF-16 without its mark: save it as “CSV UTF-8” and choose it again.",
            "Ce fichier semble en UTF-16 sans marque : enregistrez-le en « CSV UTF-8 » et choisissez-le à nouveau.",
        ));
    }
    let (text, encoding) = decode(bytes);
    let separator = separator(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(u8::try_from(separator).unwrap_or(b','))
        .from_reader(text.as_bytes());
    let newlines: Vec<usize> = text
        .bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i)
        .collect();
    let mut header: Option<(u64, Vec<String>)> = None;
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                return Err(Error::invalid(
                    format!("Line {line}: the file cannot be read as CSV ({e})."),
                    format!("Ligne {line} : le fichier ne se lit pas comme un CSV ({e})."),
                ));
            }
        }
        let line = record.position().map_or(0, |p| line_of(&text, &newlines, p.byte()));
        let first = record.get(0).unwrap_or("").trim();
        if first.starts_with('#') || record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if header.is_none() {
            header = Some((line, record.iter().map(|f| f.trim().to_owned()).collect()));
            continue;
        }
        if rows.len() == max_rows {
            return Err(Error::invalid(
                format!("The file has more than {max_rows} rows: split it in several files."),
                format!("Le fichier compte plus de {max_rows} lignes : découpez-le en plusieurs fichiers."),
            ));
        }
        rows.push(Row {
            line,
            record: std::mem::take(&mut record),
        });
    }
    let (header_line, header) = header.ok_or_else(|| {
        Error::invalid(
            "The file is empty: it needs a header row, then one row per line to import.",
            "Le fichier est vide : il lui faut une ligne d'en-tête, puis une ligne par élément à importer.",
        )
    })?;
    Ok(Table {
        encoding,
        separator,
        header_line,
        header,
        rows,
    })
}

/// A header name as typed in any spreadsheet: case, accents, spaces, hyphens and underscores ignored.
pub fn header_key(name: &str) -> String {
    crate::ids::fold(name)
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '\u{a0}'))
        .collect()
}

/// A template to download, as every importer writes it: a byte-order mark (spreadsheets then read UTF-8), the
/// instructions as `#` lines (skipped on import), the header, example rows; CRLF line ends.
pub fn template(instructions: &[&str], header: &[&str], rows: &[&[&str]], separator: &str) -> String {
    let mut out = String::from("\u{feff}");
    let mut line = |text: &str| {
        out.push_str(text);
        out.push_str("\r\n");
    };
    for l in instructions {
        line(l);
    }
    line(&header.join(separator));
    for row in rows {
        line(&row.join(separator));
    }
    out
}

/// A file for a spreadsheet to open: semicolons, UTF-8 with a BOM (so accents read right), a header then the rows.
pub fn spreadsheet<const N: usize>(header: [&str; N], rows: impl IntoIterator<Item = [String; N]>) -> String {
    let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    let _ = writer.write_record(header);
    for row in rows {
        let _ = writer.write_record(&row);
    }
    format!(
        "\u{feff}{}",
        String::from_utf8_lossy(&writer.into_inner().unwrap_or_default())
    )
}

/// The problems as a CSV file to download, in the language asked.
pub fn problems_csv(problems: &[CsvProblem], french: bool) -> String {
    let header = if french {
        ["ligne", "colonne", "valeur", "erreur"]
    } else {
        ["line", "column", "value", "error"]
    };
    spreadsheet(
        header,
        problems.iter().map(|p| {
            let message = if french { &p.message_fr } else { &p.message };
            [p.line.to_string(), p.column.clone(), p.value.clone(), message.clone()]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_files_the_way_spreadsheets_write_them() {
        // Semicolons, a BOM, CRLF, a quoted field with a line break, a comment and trailing empty rows.
        let file = "\u{feff}# Modèle\r\nidentifiant;nom\r\njdupont;\"Du\r\npont\"\r\n\r\nemartin;Martin\r\n;\r\n;;\r\n";
        let t = read(file.as_bytes(), 1 << 20, 100).unwrap();
        assert_eq!((t.encoding, t.separator, t.header_line), ("UTF-8", ';', 2));
        assert_eq!(t.header, ["identifiant", "nom"]);
        let lf = read(b"a\nb\n\nc\n", 100, 10).unwrap();
        assert_eq!(lf.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4]);
        let rows: Vec<(u64, Vec<String>)> = t
            .rows
            .iter()
            .map(|r| (r.line, r.fields().map(str::to_owned).collect()))
            .collect();
        assert_eq!(
            rows,
            [
                (3, vec!["jdupont".to_owned(), "Du\r\npont".to_owned()]),
                (6, vec!["emartin".to_owned(), "Martin".to_owned()])
            ]
        );
    }

    #[test]
    fn windows_1252_and_utf16_are_decoded_and_commas_found() {
        let latin = b"login,last_name\nelodie,Dupr\xe9\n";
        let t = read(latin, 1 << 20, 100).unwrap();
        assert_eq!((t.encoding, t.separator), ("windows-1252", ','));
        assert_eq!(t.rows[0].field(1), Some("Dupré"));
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "login\tnom\nélodie\tDupré\n".encode_utf16() {
            utf16.extend(unit.to_le_bytes());
        }
        let t = read(&utf16, 1 << 20, 100).unwrap();
        assert_eq!((t.encoding, t.separator), ("UTF-16LE", '\t'));
        assert_eq!(t.rows[0].fields().collect::<Vec<_>>(), ["élodie", "Dupré"]);
        // A separator inside quotes does not count.
        assert_eq!(separator("\"a;b;c\",d,e"), ',');
    }

    #[test]
    fn empty_oversized_and_overlong_files_are_refused() {
        assert!(read(b"", 100, 10).is_err());
        let no_mark: Vec<u8> = "login;nom\nelodie;Durand\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(read(&no_mark, 1 << 20, 10).unwrap_err().message.contains("UTF-16"));
        assert!(read(b"# only a comment\n\n", 100, 10).is_err());
        assert!(read(&[b'a'; 101], 100, 10).is_err());
        assert!(read(b"h\n1\n2\n3\n", 100, 2)
            .unwrap_err()
            .message
            .contains("more than 2 rows"));
        assert_eq!(header_key(" Prénom "), "prenom");
        assert_eq!(header_key("Accès_console"), "accesconsole");
        let csv = problems_csv(
            &[CsvProblem {
                line: 3,
                column: "email".into(),
                value: "a;b".into(),
                message: "bad".into(),
                message_fr: "mauvais".into(),
            }],
            true,
        );
        assert_eq!(csv, "\u{feff}ligne;colonne;valeur;erreur\n3;email;\"a;b\";mauvais\n");
    }
}
