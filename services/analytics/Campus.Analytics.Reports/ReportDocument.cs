using System.Data.Common;
using System.Globalization;

namespace Campus.Analytics.Reports;

/// <summary>Everything a writer shows besides the rows: the report, its language, zone and parameters as text.</summary>
public sealed class ReportDocument
{
    public ReportDocument(ReportDefinition definition, string locale, TimeZoneInfo zone, DateTimeOffset generatedAt,
        DateOnly? from, DateOnly? to, string? department, string? courseTitle)
    {
        Definition = definition;
        Locale = locale == "en" ? "en" : "ru";
        Zone = zone;
        GeneratedAt = generatedAt;
        From = from;
        To = to;
        Department = department;
        CourseTitle = courseTitle;
    }

    public ReportDefinition Definition { get; }
    public string Locale { get; }
    public TimeZoneInfo Zone { get; }
    public DateTimeOffset GeneratedAt { get; }
    public DateOnly? From { get; }
    public DateOnly? To { get; }
    public string? Department { get; }
    public string? CourseTitle { get; }

    public string Title => Definition.Title.In(Locale);

    public string T(Text text) => text.In(Locale);

    /// <summary>The parameters as (label, value) lines, in the report's language.</summary>
    public IReadOnlyList<(string Label, string Value)> Parameters =>
    [
        (T(ReportTexts.Period), $"{Period()} ({T(Definition.DateFilter)})"),
        (T(ReportTexts.Department), Department ?? T(ReportTexts.AllDepartments)),
        (T(ReportTexts.Course), CourseTitle ?? T(ReportTexts.AllCourses)),
        (T(ReportTexts.GeneratedAt), $"{FormatDateTime(GeneratedAt.UtcDateTime)} ({Zone.Id})"),
    ];

    private string Period() => (From, To) switch
    {
        (null, null) => T(ReportTexts.AllTime),
        ({ } from, null) => $"{T(ReportTexts.Since)} {FormatDate(from)}",
        (null, { } to) => $"{T(ReportTexts.Until)} {FormatDate(to)}",
        ({ } from, { } to) => $"{FormatDate(from)} – {FormatDate(to)}",
    };

    /// <summary>A UTC instant as a wall-clock time in the requester's zone (what the files show).</summary>
    public DateTime ToLocal(DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), Zone);

    public string FormatDateTime(DateTime utc) => ToLocal(utc).ToString("dd.MM.yyyy HH:mm", CultureInfo.InvariantCulture);

    public static string FormatDate(DateOnly date) => date.ToString("dd.MM.yyyy", CultureInfo.InvariantCulture);

    /// <summary>Column <paramref name="i"/> of the current row as the text a PDF cell shows.</summary>
    public string TextOf(DbDataReader reader, int i)
    {
        if (reader.IsDBNull(i))
        {
            return "";
        }
        var column = Definition.Columns[i];
        return column.Kind switch
        {
            ColumnKind.Integer => reader.GetInt64(i).ToString("#,0", Numbers).Replace(',', '\u00a0'),
            ColumnKind.Number => reader.GetDouble(i).ToString("0.0", Numbers),
            ColumnKind.Percent => (reader.GetDouble(i) * 100).ToString("0", Numbers) + "\u00a0%",
            ColumnKind.Date => FormatDate(reader.GetFieldValue<DateOnly>(i)),
            ColumnKind.DateTime => FormatDateTime(reader.GetFieldValue<DateTime>(i)),
            ColumnKind.Code => column.Label(reader.GetString(i), Locale),
            _ => reader.GetString(i),
        };
    }

    private static readonly CultureInfo Numbers = CultureInfo.InvariantCulture;

    /// <summary>
    /// The download name: the title, the department when one was chosen, and the day it was generated, e.g.
    /// <c>Прогресс слушателей — Продажи — 2026-12-06.xlsx</c>. Characters no file system takes are replaced.
    /// </summary>
    public static string FileName(ReportDefinition definition, string locale, string? department, DateTimeOffset generatedAt, TimeZoneInfo zone,
        string format)
    {
        var day = TimeZoneInfo.ConvertTime(generatedAt, zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var parts = new List<string> { definition.Title.In(locale) };
        if (!string.IsNullOrWhiteSpace(department))
        {
            parts.Add(department.Trim());
        }
        parts.Add(day);
        var name = string.Join(" — ", parts);
        var invalid = new HashSet<char>(['/', '\\', ':', '*', '?', '"', '<', '>', '|']);
        name = new string([.. name.Select(c => char.IsControl(c) || invalid.Contains(c) ? '_' : c)]);
        if (name.Length > 150)
        {
            name = name[..150];
        }
        return $"{name}.{format}";
    }
}

/// <summary>Fixed texts of the files in both languages.</summary>
public static class ReportTexts
{
    public static readonly Text Parameters = new("Параметры", "Parameters");
    public static readonly Text Data = new("Данные", "Data");
    public static readonly Text Period = new("Период", "Period");
    public static readonly Text Department = new("Подразделение", "Department");
    public static readonly Text Course = new("Курс", "Course");
    public static readonly Text GeneratedAt = new("Сформирован", "Generated at");
    public static readonly Text Rows = new("Строк", "Rows");
    public static readonly Text AllDepartments = new("все подразделения", "all departments");
    public static readonly Text AllCourses = new("все курсы", "all courses");
    public static readonly Text AllTime = new("за всё время", "all time");
    public static readonly Text Since = new("с", "since");
    public static readonly Text Until = new("по", "until");
    public static readonly Text Summary = new("Сводка", "Summary");
    public static readonly Text Page = new("Страница {0} из {1}", "Page {0} of {1}");
    public static readonly Text NoRows = new("Нет данных за выбранный период.", "No data for the chosen parameters.");
    public static readonly Text Other = new("Прочие", "Other");
    public static readonly Text Empty = new("(не указано)", "(not set)");

    /// <summary>The PDF's note when it stopped at its row limit.</summary>
    public static readonly Text Truncated = new(
        "Показаны первые {0} строк из {1}. Сводка ниже — по всем строкам; для полного отчёта закажите формат XLSX.",
        "Only the first {0} of {1} rows are shown. The summary below covers all of them; order the XLSX format for the full report.");
}
