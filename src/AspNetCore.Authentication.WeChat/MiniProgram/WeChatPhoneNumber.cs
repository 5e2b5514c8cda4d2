namespace AspNetCore.Authentication.WeChat;

/// <summary>A mini-program user's phone number, as WeChat's <c>getuserphonenumber</c> gave it.</summary>
public sealed class WeChatPhoneNumber
{
    /// <summary>Gets the number as the user sees it: with the country code for numbers outside mainland China.</summary>
    public required string PhoneNumber { get; init; }

    /// <summary>Gets the number without the country code.</summary>
    public required string PurePhoneNumber { get; init; }

    /// <summary>Gets the country code, for example <c>86</c>.</summary>
    public required string CountryCode { get; init; }
}
