using Campus.ServiceDefaults;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Campus.Storage;

/// <summary>
/// The answers of the upload protocol (<c>POST …/upload-url</c>, PUT the bytes, <c>POST …/{id}/complete</c>), the same
/// in every service: one status per <see cref="UploadProblems"/> code, whatever the file is for.
/// </summary>
public static class UploadAnswers
{
    /// <summary>
    /// A declared upload refused by <see cref="UploadRules.Precheck"/>, before any URL is issued: 400 with the field
    /// error, 415 <c>unsupported_media_type</c> or 413 <c>too_large</c>.
    /// </summary>
    public static ProblemHttpResult Declined(UploadProblem problem) => problem switch
    {
        { Field: { } field } => Problems.InvalidField(field, problem.Detail),
        { Code: UploadProblems.TypeNotAllowed } => Problems.Create(StatusCodes.Status415UnsupportedMediaType, problem.Code,
            "This type of file is not accepted here.", problem.Detail),
        { Code: UploadProblems.TooLarge } => Problems.Create(StatusCodes.Status413PayloadTooLarge, problem.Code,
            "The file is too large.", problem.Detail),
        _ => throw new ArgumentException($"Not a refusal of a declared upload: {problem.Code}.", nameof(problem)),
    };

    /// <summary>
    /// An uploaded object refused on complete (<see cref="IObjectStorage.PromoteUploadAsync"/>): 409
    /// <c>upload_missing</c> when nothing was uploaded yet (the client can still upload and complete again), otherwise
    /// 422 with the check's code (the object was deleted). <paramref name="title"/> names what the file was meant to be.
    /// </summary>
    public static ProblemHttpResult Refused(UploadProblem problem, string title) => problem.Code == UploadProblems.Missing
        ? Problems.Create(StatusCodes.Status409Conflict, problem.Code, "Nothing was uploaded yet.", problem.Detail)
        : Problems.Create(StatusCodes.Status422UnprocessableEntity, problem.Code, title, problem.Detail);
}
