using Campus.Content.Data;

namespace Campus.Content.Courses;

/// <summary>A course's editable fields; PUT replaces all of them.</summary>
public sealed record CourseRequest(
    [property: Bounds(MaxLength = Course.TitleLength)] string? Title,
    [property: Bounds(MaxLength = Course.DescriptionLength)] string? Description = null,
    Guid? CoverDocumentId = null);

public sealed record SectionRequest([property: Bounds(MaxLength = Section.TitleLength)] string? Title);

/// <summary>
/// A material. By <see cref="Kind"/>: video needs <see cref="MediaId"/>, document needs <see cref="DocumentId"/>,
/// text needs <see cref="Body"/>, link needs an http(s) <see cref="Url"/>; the other three stay empty.
/// <see cref="Published"/> (default true) hides a material from students while it is false.
/// </summary>
public sealed record MaterialRequest(
    MaterialKind? Kind,
    [property: Bounds(MaxLength = Material.TitleLength)] string? Title,
    Guid? MediaId = null,
    Guid? DocumentId = null,
    [property: Bounds(MaxLength = Material.BodyLength)] string? Body = null,
    [property: Bounds(MaxLength = Material.UrlLength)] string? Url = null,
    bool? Published = null);

/// <summary>The new order: every id of the parent's children exactly once, first to last (at most <see cref="MaxIds"/>).</summary>
public sealed record OrderRequest([property: Bounds(MaxItems = OrderRequest.MaxIds)] Guid[]? Ids)
{
    /// <summary>The most ids one order takes.</summary>
    public const int MaxIds = 1000;
}

public sealed record CourseSummary(
    Guid Id, string Title, string? Description, CourseStatus Status, Guid AuthorId, Guid? CoverDocumentId, string? CoverUrl,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? PublishedAt);

public sealed record CoursePage(IReadOnlyList<CourseSummary> Items, int Total, int Limit, int Offset);

public sealed record CourseDetail(
    Guid Id, string Title, string? Description, CourseStatus Status, Guid AuthorId, Guid? CoverDocumentId, string? CoverUrl,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? PublishedAt, IReadOnlyList<SectionResponse> Sections);

public sealed record SectionResponse(Guid Id, Guid CourseId, string Title, int Position, IReadOnlyList<MaterialResponse> Materials);

public sealed record MaterialResponse(
    Guid Id, Guid SectionId, MaterialKind Kind, string Title, int Position, bool Published, Guid? MediaId, Guid? DocumentId,
    string? Body, string? Url)
{
    public static MaterialResponse From(Material m) =>
        new(m.Id, m.SectionId, m.Kind, m.Title, m.Position, m.IsPublished, m.MediaId, m.DocumentId, m.Body, m.Url);
}
