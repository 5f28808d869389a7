using MonoBiomech.Fitting;
using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace MonoBiomech.Engine.BodyModels;

/// <summary>
/// Reads the kinematic subset of MJCF (MuJoCo XML): <c>&lt;compiler angle eulerseq autolimits&gt;</c>, <c>&lt;default&gt;</c>
/// classes (joint and site attributes, <c>class</c>, <c>childclass</c>), nested bodies (<c>pos</c>, <c>quat</c>, <c>euler</c>,
/// <c>axisangle</c>), hinge and slide joints (<c>axis</c>, <c>range</c>, <c>limited</c>), sites (<c>pos</c>) and scale groups
/// declared as <c>&lt;custom&gt;&lt;text name="monobiomech.scale_group.NAME" data="body body ..."/&gt;</c>.
/// Geoms, meshes, inertia, actuators, contacts and options are ignored. Free and ball joints, joint anchors or
/// <c>ref</c> values other than 0, <c>&lt;include&gt;</c> and DTDs are rejected with <see cref="BodyModelFormatException"/>.
/// </summary>
/// <remarks>
/// A model without scale-group texts gets the upstream (PBL MonocularBiomechanics) groups by body name, in this order:
/// pelvis, left_thigh, left_leg, right_thigh, right_leg, left_arm, right_arm, overall (every non-world body).
/// </remarks>
internal static class MjcfReader
{
    public const string ScaleGroupTextPrefix = "monobiomech.scale_group.";

    /// <summary>The upstream scale groups (create_default_scale_mix), used when the file declares none.</summary>
    private static readonly (string Group, string[] Bodies)[] UpstreamScaleGroups =
    {
        ("pelvis", new[] { "pelvis" }),
        ("left_thigh", new[] { "femur_l" }),
        ("left_leg", new[] { "tibia_l", "talus_l", "calcn_l", "toes_l" }),
        ("right_thigh", new[] { "femur_r" }),
        ("right_leg", new[] { "tibia_r", "talus_r", "calcn_r", "toes_r" }),
        ("left_arm", new[] { "humerus_l", "radius_l", "ulna_l", "hand_l" }),
        ("right_arm", new[] { "humerus_r", "radius_r", "ulna_r", "hand_r" }),
    };

    private const string OverallGroup = "overall";

    private static readonly HashSet<string> UnsupportedElements = new(StringComparer.Ordinal)
    {
        "include", "freejoint", "frame", "replicate", "attach", "composite", "flexcomp",
    };

    public static BodyModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new FileNotFoundException($"The body model file '{fullPath}' does not exist.", fullPath);

        XDocument document;
        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
            using XmlReader reader = XmlReader.Create(fullPath, settings);
            document = XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            string problem = e.Message.Contains("DTD", StringComparison.Ordinal)
                ? "contains a DTD (<!DOCTYPE ...>), which is refused so that no entity can be expanded or fetched"
                : "is not well-formed XML";
            throw new BodyModelFormatException(fullPath, $"{problem}: {e.Message}", e);
        }

        return new Parser(fullPath).Parse(document);
    }

    private sealed class Parser
    {
        private readonly string path;
        private readonly Dictionary<string, DefaultClass> classes = new(StringComparer.Ordinal);
        private readonly List<BodyDefinition> bodies = new();
        private readonly List<CoordinateDefinition> coordinates = new();
        private readonly List<SiteDefinition> sites = new();
        private bool angleInDegrees = true;   // MuJoCo's default unit is degrees
        private string eulerSequence = "xyz";
        // Later MuJoCo's default; 2.2.2 defaulted to false and refused a range without limited, which we accept instead.
        private bool autoLimits = true;

        public Parser(string path) => this.path = path;

        public BodyModel Parse(XDocument document)
        {
            XElement root = document.Root!;
            if (root.Name.LocalName != "mujoco")
                throw Error(root, "the root element must be <mujoco> (is this an MJCF file?).");
            foreach (XElement element in root.DescendantsAndSelf())
                if (UnsupportedElements.Contains(element.Name.LocalName))
                    throw Error(element, $"<{element.Name.LocalName}> is not supported by the kinematics reader; inline or remove it.");

            foreach (XElement compiler in root.Elements("compiler")) ReadCompiler(compiler);
            classes["main"] = new DefaultClass("main", null);
            foreach (XElement defaults in root.Elements("default")) ReadDefault(defaults, null);

            bodies.Add(new BodyDefinition("world", -1, default, QuaternionD.Identity));
            XElement[] worldBodies = root.Elements("worldbody").ToArray();
            foreach (XElement world in worldBodies)
                ReadBodyContents(world, 0, "main");

            IReadOnlyList<ScaleGroupDefinition> groups = ReadScaleGroups(root);
            string name = (string?)root.Attribute("model") ?? Path.GetFileNameWithoutExtension(path);
            return new BodyModel(name, path, bodies, coordinates, sites, groups);
        }

        private void ReadCompiler(XElement compiler)
        {
            string? angle = (string?)compiler.Attribute("angle");
            if (angle is not null)
                angleInDegrees = angle switch
                {
                    "degree" => true,
                    "radian" => false,
                    _ => throw Error(compiler, $"angle=\"{angle}\" must be \"degree\" or \"radian\"."),
                };
            string? sequence = (string?)compiler.Attribute("eulerseq");
            if (sequence is not null)
            {
                if (sequence.Length != 3 || sequence.Any(c => "xyzXYZ".IndexOf(c) < 0))
                    throw Error(compiler, $"eulerseq=\"{sequence}\" must be three of x, y, z, X, Y, Z.");
                eulerSequence = sequence;
            }
            string? limits = (string?)compiler.Attribute("autolimits");
            if (limits is not null) autoLimits = ParseBool(compiler, "autolimits", limits);
        }

        private void ReadDefault(XElement element, DefaultClass? parent)
        {
            string name = (string?)element.Attribute("class") ?? (parent is null ? "main" : throw Error(element, "a nested <default> needs a class name."));
            DefaultClass current;
            if (parent is null && name == "main")
                current = classes["main"];
            else if (!classes.TryAdd(name, current = new DefaultClass(name, parent ?? classes["main"])))
                throw Error(element, $"default class '{name}' is defined twice.");
            foreach (XElement child in element.Elements())
            {
                string kind = child.Name.LocalName;
                if (kind == "default")
                    ReadDefault(child, current);
                else if (kind is "joint" or "site")
                    foreach (XAttribute attribute in child.Attributes())
                        current.Set(kind, attribute.Name.LocalName, attribute.Value);
            }
        }

        private void ReadBodyContents(XElement body, int bodyIndex, string childClass)
        {
            foreach (XElement child in body.Elements())
            {
                switch (child.Name.LocalName)
                {
                    case "body":
                        ReadBody(child, bodyIndex, childClass);
                        break;
                    case "joint":
                        if (bodyIndex == 0) throw Error(child, "a joint cannot belong to the world body.");
                        ReadJoint(child, bodyIndex, ClassOf(child, childClass));
                        break;
                    case "site":
                        ReadSite(child, bodyIndex, ClassOf(child, childClass));
                        break;
                }
            }
        }

        private void ReadBody(XElement element, int parentIndex, string inheritedClass)
        {
            string childClass = (string?)element.Attribute("childclass") ?? inheritedClass;
            if (!classes.ContainsKey(childClass)) throw Error(element, $"childclass '{childClass}' is not defined.");
            int index = bodies.Count;
            string name = (string?)element.Attribute("name") ?? $"body{index}";
            if (bodies.Any(b => b.Name == name)) throw Error(element, $"the body name '{name}' is used twice.");
            Vector3D position = ReadVector(element, "pos", null) ?? default;
            bodies.Add(new BodyDefinition(name, parentIndex, position, ReadOrientation(element)));
            ReadBodyContents(element, index, childClass);
        }

        private QuaternionD ReadOrientation(XElement element)
        {
            string[] given = new[] { "quat", "euler", "axisangle", "xyaxes", "zaxis" }
                .Where(a => element.Attribute(a) is not null).ToArray();
            if (given.Length > 1) throw Error(element, $"more than one orientation is given ({string.Join(", ", given)}).");
            if (given.Length == 0) return QuaternionD.Identity;
            double[] values = ReadNumbers(element, given[0], null)!;
            switch (given[0])
            {
                case "quat":
                    ExpectCount(element, "quat", values, 4);
                    var q = new QuaternionD(values[0], values[1], values[2], values[3]);
                    if (Norm(q) < 1e-10) throw Error(element, "quat has zero length.");
                    return RotationMath.Normalize(q);
                case "euler":
                    ExpectCount(element, "euler", values, 3);
                    QuaternionD result = QuaternionD.Identity;
                    for (int i = 0; i < 3; i++)
                    {
                        char axisName = eulerSequence[i];
                        Vector3D axis = char.ToLowerInvariant(axisName) switch
                        {
                            'x' => new Vector3D(1, 0, 0),
                            'y' => new Vector3D(0, 1, 0),
                            _ => new Vector3D(0, 0, 1),
                        };
                        QuaternionD step = RotationMath.AxisAngle(axis, Angle(values[i]));
                        // Lower case: axes that move with the frame (intrinsic, post-multiply); upper case: fixed axes.
                        result = char.IsLower(axisName) ? RotationMath.Multiply(result, step) : RotationMath.Multiply(step, result);
                    }
                    return RotationMath.Normalize(result);
                case "axisangle":
                    ExpectCount(element, "axisangle", values, 4);
                    Vector3D unit = Normalize(element, "axisangle", new Vector3D(values[0], values[1], values[2]));
                    return RotationMath.AxisAngle(unit, Angle(values[3]));
                default:
                    throw Error(element, $"the orientation attribute '{given[0]}' is not supported; use quat, euler or axisangle.");
            }
        }

        private void ReadJoint(XElement element, int bodyIndex, string className)
        {
            string name = (string?)element.Attribute("name") ?? $"joint{coordinates.Count}";
            string type = Attribute(element, "joint", className, "type") ?? "hinge";
            CoordinateKind kind = type switch
            {
                "hinge" => CoordinateKind.Rotation,
                "slide" => CoordinateKind.Translation,
                "free" or "ball" => throw Error(element, $"joint '{name}' has type=\"{type}\"; only hinge and slide joints are supported."),
                _ => throw Error(element, $"joint '{name}' has the unknown type \"{type}\"."),
            };
            double[] anchor = ReadNumbers(element, "pos", className, "joint") ?? new double[3];
            ExpectCount(element, "pos", anchor, 3);
            if (anchor.Any(v => v != 0))
                throw Error(element, $"joint '{name}' has pos=\"{string.Join(' ', anchor)}\"; joint anchors other than the body origin are not supported.");
            string? reference = Attribute(element, "joint", className, "ref");
            if (reference is not null && ParseNumber(element, "ref", reference) != 0)
                throw Error(element, $"joint '{name}' has ref=\"{reference}\"; only ref=0 is supported.");

            double[] axisValues = ReadNumbers(element, "axis", className, "joint") ?? new double[] { 0, 0, 1 };
            ExpectCount(element, "axis", axisValues, 3);
            Vector3D axis = Normalize(element, "axis", new Vector3D(axisValues[0], axisValues[1], axisValues[2]));

            double lower = 0, upper = 0;
            double[]? range = ReadNumbers(element, "range", className, "joint");
            if (range is not null)
            {
                ExpectCount(element, "range", range, 2);
                (lower, upper) = kind == CoordinateKind.Rotation ? (Angle(range[0]), Angle(range[1])) : (range[0], range[1]);
            }
            string limitedText = Attribute(element, "joint", className, "limited") ?? "auto";
            bool limited = limitedText == "auto"
                ? autoLimits && range is not null
                : ParseBool(element, "limited", limitedText);
            if (limited && lower >= upper)
                throw Error(element, $"joint '{name}' is limited but its range [{lower}, {upper}] is empty.");
            coordinates.Add(new CoordinateDefinition(name, kind, bodyIndex, axis, limited, lower, upper));
        }

        private void ReadSite(XElement element, int bodyIndex, string className)
        {
            string name = (string?)element.Attribute("name") ?? $"site{sites.Count}";
            if (Attribute(element, "site", className, "fromto") is not null)
                throw Error(element, $"site '{name}' is placed with fromto; give its position with pos.");
            double[] position = ReadNumbers(element, "pos", className, "site") ?? new double[3];
            ExpectCount(element, "pos", position, 3);
            sites.Add(new SiteDefinition(name, bodyIndex, new Vector3D(position[0], position[1], position[2])));
        }

        private IReadOnlyList<ScaleGroupDefinition> ReadScaleGroups(XElement root)
        {
            var bodyByName = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int b = 1; b < bodies.Count; b++) bodyByName.TryAdd(bodies[b].Name, b);
            var groups = new List<ScaleGroupDefinition>();
            foreach (XElement text in root.Elements("custom").Elements("text"))
            {
                string textName = (string?)text.Attribute("name") ?? "";
                if (!textName.StartsWith(ScaleGroupTextPrefix, StringComparison.Ordinal)) continue;
                string groupName = textName[ScaleGroupTextPrefix.Length..];
                if (groupName.Length == 0 || groups.Any(g => g.Name == groupName))
                    throw Error(text, $"scale group text '{textName}' has an empty or repeated group name.");
                string[] names = ((string?)text.Attribute("data") ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (names.Length == 0) throw Error(text, $"scale group '{groupName}' lists no bodies.");
                var indices = new List<int>();
                foreach (string bodyName in names)
                {
                    if (!bodyByName.TryGetValue(bodyName, out int b))
                        throw Error(text, $"scale group '{groupName}' names the body '{bodyName}', which the model does not have.");
                    if (indices.Contains(b)) throw Error(text, $"scale group '{groupName}' lists '{bodyName}' twice.");
                    indices.Add(b);
                }
                groups.Add(new ScaleGroupDefinition(groupName, indices));
            }
            if (groups.Count > 0) return groups;

            // No declared groups: the upstream mapping, by body name.
            foreach ((string group, string[] names) in UpstreamScaleGroups)
            {
                var indices = new List<int>();
                foreach (string bodyName in names)
                {
                    if (!bodyByName.TryGetValue(bodyName, out int b))
                        throw new BodyModelFormatException(path,
                            $"the model declares no scale groups (<custom><text name=\"{ScaleGroupTextPrefix}...\">) and lacks the body '{bodyName}' " +
                            $"that the default group '{group}' needs; declare the groups in <custom>.");
                    indices.Add(b);
                }
                groups.Add(new ScaleGroupDefinition(group, indices));
            }
            groups.Add(new ScaleGroupDefinition(OverallGroup, Enumerable.Range(1, bodies.Count - 1).ToArray()));
            return groups;
        }

        private string ClassOf(XElement element, string childClass)
        {
            string name = (string?)element.Attribute("class") ?? childClass;
            if (!classes.ContainsKey(name)) throw Error(element, $"default class '{name}' is not defined.");
            return name;
        }

        /// <summary>The element's own attribute, else the nearest default class (up the class chain) that sets it.</summary>
        private string? Attribute(XElement element, string kind, string className, string attribute)
        {
            string? own = (string?)element.Attribute(attribute);
            if (own is not null) return own;
            for (DefaultClass? c = classes[className]; c is not null; c = c.Parent)
                if (c.TryGet(kind, attribute, out string? value)) return value;
            return null;
        }

        private double[]? ReadNumbers(XElement element, string attribute, string? className, string kind = "")
        {
            string? text = className is null ? (string?)element.Attribute(attribute) : Attribute(element, kind, className, attribute);
            if (text is null) return null;
            string[] parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            var values = new double[parts.Length];
            for (int i = 0; i < parts.Length; i++) values[i] = ParseNumber(element, attribute, parts[i]);
            return values;
        }

        private Vector3D? ReadVector(XElement element, string attribute, string? className)
        {
            double[]? values = ReadNumbers(element, attribute, className);
            if (values is null) return null;
            ExpectCount(element, attribute, values, 3);
            return new Vector3D(values[0], values[1], values[2]);
        }

        private double ParseNumber(XElement element, string attribute, string text)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
                throw Error(element, $"{attribute}=\"{text}\" is not a finite number.");
            return value;
        }

        private bool ParseBool(XElement element, string attribute, string text) => text switch
        {
            "true" => true,
            "false" => false,
            _ => throw Error(element, $"{attribute}=\"{text}\" must be true or false."),
        };

        private void ExpectCount(XElement element, string attribute, double[] values, int count)
        {
            if (values.Length != count) throw Error(element, $"{attribute} needs {count} numbers, got {values.Length}.");
        }

        private Vector3D Normalize(XElement element, string attribute, Vector3D v)
        {
            double n = Math.Sqrt(v.X * v.X + v.Y * v.Y + v.Z * v.Z);
            if (n < 1e-10) throw Error(element, $"{attribute} has zero length.");
            return new Vector3D(v.X / n, v.Y / n, v.Z / n);
        }

        private static double Norm(QuaternionD q) => Math.Sqrt(q.W * q.W + q.X * q.X + q.Y * q.Y + q.Z * q.Z);

        private double Angle(double value) => angleInDegrees ? value * (Math.PI / 180) : value;

        private BodyModelFormatException Error(XElement element, string message)
        {
            string name = (string?)element.Attribute("name") is { } n ? $" '{n}'" : "";
            string line = element is IXmlLineInfo info && info.HasLineInfo() ? $" (line {info.LineNumber})" : "";
            return new BodyModelFormatException(path, $"<{element.Name.LocalName}>{name}{line}: {message}");
        }
    }

    private sealed class DefaultClass
    {
        private readonly Dictionary<(string Kind, string Attribute), string> values = new();

        public DefaultClass(string name, DefaultClass? parent)
        {
            Name = name;
            Parent = parent;
        }

        public string Name { get; }
        public DefaultClass? Parent { get; }

        public void Set(string kind, string attribute, string value) => values[(kind, attribute)] = value;

        public bool TryGet(string kind, string attribute, out string? value) => values.TryGetValue((kind, attribute), out value);
    }
}
